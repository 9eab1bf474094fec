"""Frozen value classes for the start path, without the ``dataclasses`` module.

Why not dataclasses here: ``import dataclasses`` imports ``inspect`` (and with it ``ast``,
``dis`` and ``tokenize``), and on Python 3.11 ``@dataclass`` compiles every method it generates.
For the nine values a cached-lease start creates, the two cost about 70 M instructions, some
13 ms on the benchmark machine: a third of the 40 ms the start may take above bare Python
(docs/performance.md). Values on that path derive from :class:`Record`, which gives them what
they use of a frozen dataclass and nothing more: construction by position or keyword with
defaults, ``__post_init__``, immutability, equality and hashing by value, a ``repr`` that leaves
marked fields out, positional ``match`` patterns, and :func:`replace` (also ``copy.replace`` on
Python 3.13+). Values off that path (HTTP settings, the admin client, the emulator, Keygen's
files) stay dataclasses.

Type checkers see :class:`Record` subclasses as frozen dataclasses (PEP 681), and check
:func:`replace` as they check ``dataclasses.replace``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:

    def dataclass_transform(**_options: object) -> Any:
        """PEP 681's marker; only type checkers read it."""
        return lambda cls: cls


__all__ = ["FrozenRecordError", "Record", "field", "replace"]

_NO_DEFAULT: Any = object()


class FrozenRecordError(AttributeError):
    """An attempt to assign to or delete a field of a :class:`Record` (as on a frozen dataclass)."""


class _Field:
    __slots__ = ("default", "shown")

    def __init__(self, default: object, shown: bool) -> None:
        self.default = default
        self.shown = shown


def field(*, default: Any = _NO_DEFAULT, repr: bool = True) -> Any:
    """A field with options: ``repr=False`` keeps its value (a key, a raw ID) out of ``repr``."""
    return _Field(default, repr)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of a frozen value: its fields are the annotated names of the class body, in order.

    ``class Point(Record, kw_only=True)`` makes every field keyword-only.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _hidden: ClassVar[frozenset[str]] = frozenset()
    _kw_only: ClassVar[bool] = False

    def __init_subclass__(cls, *, kw_only: bool = False, **options: Any) -> None:
        super().__init_subclass__(**options)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        hidden = set(cls._hidden)
        for name, annotation in cls.__annotations__.items():  # the class's own (3.10+)
            if _is_class_var(annotation):
                continue
            value = cls.__dict__.get(name, _NO_DEFAULT)
            if isinstance(value, _Field):
                if not value.shown:
                    hidden.add(name)
                value = value.default
                if value is _NO_DEFAULT:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value)  # the class reads its default, as a dataclass's
            if value is _NO_DEFAULT:
                if defaults and not kw_only:
                    raise TypeError(f"{cls.__name__}.{name} follows a field with a default")
            elif type(value).__hash__ is None:  # a list or dict would be shared by all
                raise ValueError(f"{cls.__name__}.{name} has a mutable default {value!r}")
            else:
                defaults[name] = value
            if name not in fields:
                fields.append(name)
        cls._fields = tuple(fields)
        cls._defaults = defaults
        cls._hidden = frozenset(hidden)
        cls._kw_only = kw_only or cls._kw_only
        setattr(cls, "__match_args__", () if cls._kw_only else cls._fields)  # noqa: B010  (mypy)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        fields = cls._fields
        positional = 0 if cls._kw_only else len(fields)
        if len(args) > positional:
            raise TypeError(
                f"{cls.__name__}() takes {positional} positional arguments "
                f"but {len(args)} were given"
            )
        values = dict(zip(fields, args, strict=False))  # args may be fewer
        for name, value in kwargs.items():
            if name not in fields:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            values[name] = value
        state = self.__dict__  # written directly: __setattr__ refuses
        for name in fields:
            if name in values:
                state[name] = values[name]
            elif name in cls._defaults:
                state[name] = cls._defaults[name]
            else:
                raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen value")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r} of a frozen value")

    def __replace__(self, /, **changes: Any) -> Self:
        return _replace(self, **changes)

    def _values(self) -> tuple[Any, ...]:
        state = self.__dict__
        return tuple(state[name] for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={self.__dict__[name]!r}" for name in self._fields if name not in self._hidden
        )
        return f"{type(self).__qualname__}({shown})"


# Bound to the class itself: a string bound would be compiled at import, and a start that has
# compiled nothing yet pays about a millisecond for the compiler's first use.
_R = TypeVar("_R", bound=Record)


def _replace(record: _R, /, **changes: Any) -> _R:
    """A copy of *record* with *changes* (as ``dataclasses.replace``; ``__post_init__`` runs)."""
    values = {name: record.__dict__[name] for name in record._fields}
    values.update(changes)
    return type(record)(**values)


if TYPE_CHECKING:
    # mypy checks the field names and types of a replace() on a Record as on a dataclass.
    from dataclasses import replace
else:
    replace = _replace


def _is_class_var(annotation: object) -> bool:
    """Whether an annotation (text, under ``from __future__ import annotations``) is a ClassVar."""
    return str(annotation).split("[", 1)[0].strip().rsplit(".", 1)[-1] == "ClassVar"
