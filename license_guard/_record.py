"""Frozen value classes for the start path, without the ``dataclasses`` module.

Why not dataclasses here: ``import dataclasses`` imports ``inspect`` (and with it ``ast``,
``dis`` and ``tokenize``), and on Python 3.11 ``@dataclass`` compiles every method it generates.
For the nine values a cached-lease start creates, the two cost about 70 M instructions, some
13 ms on the benchmark machine: a third of the 40 ms the start may take above bare Python
(docs/performance.md). Values on that path derive from :class:`Record`, which gives them what
they use of a frozen dataclass, with the same rules: construction by position or keyword,
defaults and default factories, keyword-only fields (``kw_only=True`` on the class or on a
:func:`field`) that a subclass may follow with required fields, ``__post_init__``, immutability,
equality and hashing by value (fields left out with ``compare=False`` or ``hash=False``), no
ordering, a ``repr`` that leaves marked fields out, positional
``match`` patterns, copying and pickling, and :func:`replace` (also ``copy.replace`` on Python
3.13+). ``tests/test_record.py`` runs each of these beside ``@dataclass(frozen=True)``.

A Record is not a dataclass: ``dataclasses.replace``, ``asdict``, ``astuple`` and ``fields``
refuse it at run time (``TypeError``). Type checkers see Record subclasses as frozen dataclasses
(PEP 681), which would let those calls pass; the project's mypy plugin
(``tools/mypy_record_plugin.py``) reports them, and checks the field names and types of a
:func:`replace` as mypy checks those of ``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Callable
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
    __slots__ = ("compared", "default", "factory", "hashed", "kw_only", "shown")

    def __init__(
        self,
        default: object,
        factory: Callable[[], object] | None,
        shown: bool,
        kw_only: bool,
        *,
        compared: bool = True,
        hashed: bool | None = None,
    ) -> None:
        self.default = default
        self.factory = factory
        self.shown = shown
        self.kw_only = kw_only
        self.compared = compared
        self.hashed = compared if hashed is None else hashed


def field(
    *,
    default: Any = _NO_DEFAULT,
    default_factory: Callable[[], Any] | None = None,
    repr: bool = True,
    kw_only: bool = False,
    compare: bool = True,
    hash: bool | None = None,
) -> Any:
    """A field with options, as ``dataclasses.field``: ``repr=False`` keeps its value (a key, a raw
    ID) out of ``repr``; ``default_factory`` makes a fresh default per value; ``kw_only=True``
    makes this one field keyword-only; ``compare=False`` leaves it out of equality and hashing,
    ``hash=False`` out of hashing only (``hash=None``, the default, follows ``compare``).

    Raises:
        ValueError: both ``default`` and ``default_factory`` are given.
    """
    if default is not _NO_DEFAULT and default_factory is not None:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, repr, kw_only, compared=compare, hashed=hash)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of a frozen value: its fields are the annotated names of the class body, in order,
    after those of its base classes.

    ``class Point(Record, kw_only=True)`` makes every field the class body declares
    keyword-only; as in a dataclass, keyword-only fields may have defaults before required ones,
    and ``__init__`` takes the positional fields first, the keyword-only ones after them.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()  # every field, in order (repr, eq, hash)
    _positional: ClassVar[tuple[str, ...]] = ()  # the fields __init__ takes by position
    _keyword: ClassVar[frozenset[str]] = frozenset()  # the keyword-only fields
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}
    _hidden: ClassVar[frozenset[str]] = frozenset()
    _uncompared: ClassVar[frozenset[str]] = frozenset()
    _unhashed: ClassVar[frozenset[str]] = frozenset()
    _compared: ClassVar[tuple[str, ...]] = ()  # the fields of __eq__, in order
    _hashed: ClassVar[tuple[str, ...]] = ()  # the fields of __hash__, in order

    def __init_subclass__(cls, *, kw_only: bool = False, **options: Any) -> None:
        super().__init_subclass__(**options)
        fields = list(cls._fields)
        keyword = set(cls._keyword)
        defaults = dict(cls._defaults)
        factories = dict(cls._factories)
        hidden = set(cls._hidden)
        uncompared = set(cls._uncompared)
        unhashed = set(cls._unhashed)
        for name, annotation in cls.__annotations__.items():  # the class's own (3.10+)
            if _is_class_var(annotation):
                continue
            declared = _declared(cls, name, kw_only)
            # A field declared again takes its new options and keeps its place (as in dataclasses).
            defaults.pop(name, None)
            factories.pop(name, None)
            if declared.default is not _NO_DEFAULT:
                defaults[name] = declared.default
            elif declared.factory is not None:
                factories[name] = declared.factory
            hidden.discard(name)
            keyword.discard(name)
            uncompared.discard(name)
            unhashed.discard(name)
            if not declared.shown:
                hidden.add(name)
            if not declared.compared:
                uncompared.add(name)
            if not declared.hashed:
                unhashed.add(name)
            if declared.kw_only:
                keyword.add(name)
            if name not in fields:
                fields.append(name)
        positional = tuple(name for name in fields if name not in keyword)
        _check_order(cls.__name__, positional, {*defaults, *factories})
        cls._fields = tuple(fields)
        cls._positional = positional
        cls._keyword = frozenset(keyword)
        cls._defaults = defaults
        cls._factories = factories
        cls._hidden = frozenset(hidden)
        cls._uncompared = frozenset(uncompared)
        cls._unhashed = frozenset(unhashed)
        cls._compared = tuple(name for name in fields if name not in uncompared)
        cls._hashed = tuple(name for name in fields if name not in unhashed)
        setattr(cls, "__match_args__", positional)  # noqa: B010  (mypy)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        positional = cls._positional
        if len(args) > len(positional):
            raise TypeError(
                f"{cls.__name__}() takes {len(positional)} positional arguments "
                f"but {len(args)} were given"
            )
        values = dict(zip(positional, args, strict=False))  # args may be fewer
        fields = cls._fields
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
            elif name in cls._factories:
                state[name] = cls._factories[name]()
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
        return replace(self, **changes)

    def _values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        state = self.__dict__
        return tuple(state[name] for name in names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values(self._compared) == other._values(self._compared)

    def __hash__(self) -> int:
        return hash(self._values(self._hashed))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={self.__dict__[name]!r}" for name in self._fields if name not in self._hidden
        )
        return f"{type(self).__qualname__}({shown})"


# Bound to the class itself: a string bound would be compiled at import, and a start that has
# compiled nothing yet pays about a millisecond for the compiler's first use.
_R = TypeVar("_R", bound=Record)


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of *record* with *changes* (as ``dataclasses.replace``; ``__post_init__`` runs).

    With the project's mypy plugin, mypy checks the names and types of *changes*.

    Raises:
        TypeError: a change names no field of the record (or whatever the class's
            ``__post_init__`` raises).
    """
    values = {name: record.__dict__[name] for name in record._fields}
    values.update(changes)
    return type(record)(**values)


def _declared(cls: type, name: str, kw_only: bool) -> _Field:
    """The options of field *name* as the body of *cls* declares it; the class keeps the default
    as its attribute (as a dataclass does) and loses a :func:`field` marker.

    Raises:
        ValueError: the default is mutable (unhashable: a list or a dict would be shared).
    """
    value = cls.__dict__.get(name, _NO_DEFAULT)
    if isinstance(value, _Field):
        declared = _Field(
            value.default,
            value.factory,
            value.shown,
            value.kw_only or kw_only,
            compared=value.compared,
            hashed=value.hashed,
        )
        if value.default is _NO_DEFAULT:
            delattr(cls, name)
        else:
            setattr(cls, name, value.default)
    else:
        declared = _Field(value, None, True, kw_only)
    if declared.default is not _NO_DEFAULT and type(declared.default).__hash__ is None:
        raise ValueError(
            f"{cls.__name__}.{name} has a mutable default {type(declared.default).__name__}: "
            "use field(default_factory=...)"
        )
    return declared


def _check_order(class_name: str, positional: tuple[str, ...], with_default: set[str]) -> None:
    """Refuse a positional field without a default after one with (as dataclasses do).

    Raises:
        TypeError: such a field.
    """
    after = ""
    for name in positional:
        if name in with_default:
            after = name
        elif after:
            raise TypeError(
                f"{class_name}: field {name!r} without a default follows field {after!r} "
                "with a default"
            )


def _is_class_var(annotation: object) -> bool:
    """Whether an annotation (text, under ``from __future__ import annotations``) is a ClassVar."""
    return str(annotation).split("[", 1)[0].strip().rsplit(".", 1)[-1] == "ClassVar"
