"""license_guard._record: every behaviour of a Record, run beside ``@dataclass(frozen=True)``.

Each pair below declares the same value twice, ``R<Name>`` as a Record and ``D<Name>`` as a frozen
dataclass. A case is one callable run on both classes of a pair; it must end the same way: the
same value (fields, field values, ``repr``, hash), or an exception of the same built-in type.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pytest

from license_guard._record import FrozenRecordError, Record, field, replace

ROOT = Path(__file__).resolve().parents[1]

# -- the pairs --------------------------------------------------------------------------------


class RPoint(Record):
    x: int
    y: int = 0
    label: str = field(default="", repr=False)
    tags: tuple[str, ...] = field(default_factory=tuple)
    kind: ClassVar[str] = "point"
    unit: typing.ClassVar[str] = "px"


@dataclass(frozen=True)
class DPoint:
    x: int
    y: int = 0
    label: str = dataclasses.field(default="", repr=False)
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    kind: ClassVar[str] = "point"
    unit: typing.ClassVar[str] = "px"


class RRange(Record, kw_only=True):
    low: int = 0
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@dataclass(frozen=True, kw_only=True)
class DRange:
    low: int = 0
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


class RSpan(RRange):  # a required positional field after keyword-only ones with defaults
    width: int


@dataclass(frozen=True)
class DSpan(DRange):
    width: int


class RLabeled(RPoint, kw_only=True):  # a required keyword-only field after defaults
    name: str


@dataclass(frozen=True, kw_only=True)
class DLabeled(DPoint):
    name: str


class RMixed(Record):  # one keyword-only field among positional ones
    a: int
    b: int = field(default=0, kw_only=True)
    c: int


@dataclass(frozen=True)
class DMixed:
    a: int
    b: int = dataclasses.field(default=0, kw_only=True)
    c: int


class RBag(Record):
    items: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class DBag:
    items: list[int] = dataclasses.field(default_factory=list)


class RMoved(RPoint):  # a field declared again: new default, same place
    y: int = 5


@dataclass(frozen=True)
class DMoved(DPoint):
    y: int = 5


class RLoaded(Record):  # fields left out of equality or hashing (a decoded file's parts)
    name: str
    items: list[int] = field(default_factory=list, hash=False)
    raw: bytes = field(default=b"", repr=False, compare=False)
    seen: int = field(default=0, compare=False, hash=True)


@dataclass(frozen=True)
class DLoaded:
    name: str
    items: list[int] = dataclasses.field(default_factory=list, hash=False)
    raw: bytes = dataclasses.field(default=b"", repr=False, compare=False)
    seen: int = dataclasses.field(default=0, compare=False, hash=True)


class RCompared(RLoaded):  # a field declared again is compared and hashed again
    raw: bytes = b"-"


@dataclass(frozen=True)
class DCompared(DLoaded):
    raw: bytes = b"-"


PAIRS: dict[str, tuple[type[Any], type[Any]]] = {
    name: (globals()[f"R{name}"], globals()[f"D{name}"])
    for name in ("Point", "Range", "Span", "Labeled", "Mixed", "Bag", "Moved", "Loaded", "Compared")
}

# -- running a case on both -------------------------------------------------------------------


def _fields(value: object) -> tuple[str, ...]:
    if isinstance(value, Record):
        return value._fields
    return tuple(f.name for f in dataclasses.fields(value))  # type: ignore[arg-type]


def _describe(outcome: Callable[[], object]) -> object:
    """What a case came to, comparable across the two systems."""
    try:
        result = outcome()
    except Exception as exc:  # the built-in type: FrozenRecordError and FrozenInstanceError are
        # both AttributeErrors
        builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        return ("raises", builtin.__name__)
    return _value(result)


def _value(result: object) -> object:
    if isinstance(result, tuple):
        return tuple(_value(item) for item in result)
    if isinstance(result, Record) or dataclasses.is_dataclass(result):
        name = type(result).__qualname__
        return (
            name[1:],  # RPoint and DPoint are both "Point"
            _fields(result),
            tuple(result.__dict__[f] for f in _fields(result)),
            repr(result).replace(name, name[1:], 1),
        )
    return result


def _dataclass_replace(value: Any, /, **changes: Any) -> Any:
    return dataclasses.replace(value, **changes)


def _record_replace(value: Any, /, **changes: Any) -> Any:
    return replace(value, **changes)


Case = Callable[[Any, Callable[..., Any]], object]

CASES: list[tuple[str, str, Case]] = [
    # construction
    ("Point", "by position", lambda C, _: C(1, 2, "a", ("t",))),
    ("Point", "defaults", lambda C, _: C(1)),
    ("Point", "by keyword", lambda C, _: C(x=1, label="a")),
    ("Point", "missing", lambda C, _: C()),
    ("Point", "too many", lambda C, _: C(1, 2, "a", (), 5)),
    ("Point", "twice", lambda C, _: C(1, x=2)),
    ("Point", "unknown", lambda C, _: C(1, z=2)),
    ("Point", "class reads defaults", lambda C, _: (C.y, C.label, C.kind, C.unit)),
    ("Point", "no class attribute", lambda C, _: (hasattr(C, "x"), hasattr(C, "tags"))),
    ("Point", "fresh factory value", lambda C, _: C(1).tags),
    ("Range", "keyword only", lambda C, _: C(low=1, high=2)),
    ("Range", "default before required", lambda C, _: C(high=2)),
    ("Range", "not by position", lambda C, _: C(1, 2)),
    ("Range", "post_init", lambda C, _: C(low=3, high=2)),
    ("Range", "missing keyword", lambda C, _: C(low=1)),
    ("Span", "required after keyword-only", lambda C, _: C(3, high=4)),
    ("Span", "all by keyword", lambda C, _: C(width=3, low=1, high=4)),
    ("Span", "post_init inherited", lambda C, _: C(3, low=5, high=4)),
    ("Span", "keyword-only stays so", lambda C, _: C(3, 4)),
    ("Span", "missing positional", lambda C, _: C(high=4)),
    ("Labeled", "keyword-only after defaults", lambda C, _: C(1, 2, name="n")),
    ("Labeled", "missing keyword-only", lambda C, _: C(1)),
    ("Labeled", "no extra position", lambda C, _: C(1, 2, "a", (), "n")),
    ("Mixed", "field(kw_only=True)", lambda C, _: C(1, 2)),
    ("Mixed", "field(kw_only=True) by keyword", lambda C, _: C(1, 2, b=3)),
    ("Mixed", "field(kw_only=True) not by position", lambda C, _: C(1, 2, 3)),
    ("Bag", "factory per value", lambda C, _: C().items is not C().items),
    ("Bag", "given value", lambda C, _: C([1])),
    ("Moved", "redeclared default, same place", lambda C, _: C(1)),
    # equality, hashing, order
    ("Point", "equal by value", lambda C, _: C(1, 2) == C(1, 2)),
    ("Point", "unequal", lambda C, _: C(1, 2) != C(1, 3)),
    ("Point", "not equal to a tuple", lambda C, _: C(1) == (1, 0, "", ())),
    ("Moved", "not equal to its base", lambda C, _: C(1, 5) == C.__mro__[1](1, 5)),
    ("Point", "hash of the fields' tuple", lambda C, _: hash(C(1, 2, "a"))),
    ("Point", "in a set", lambda C, _: len({C(1, 2), C(1, 2), C(2, 1)})),
    ("Bag", "unhashable field", lambda C, _: hash(C([1]))),
    ("Point", "no order", lambda C, _: C(1) < C(2)),
    (
        "Loaded",
        "compare=False is not compared",
        lambda C, _: C("a", [1], b"x") == C("a", [1], b"y"),
    ),
    ("Loaded", "hash=False is compared", lambda C, _: C("a", [1]) == C("a", [2])),
    ("Loaded", "hash=False is not hashed", lambda C, _: hash(C("a", [1], b"x", 3))),
    ("Loaded", "hash=True, compare=False", lambda C, _: C("a", seen=1) == C("a", seen=2)),
    ("Loaded", "in a set", lambda C, _: len({C("a", [1], b"x"), C("a", [1], b"y"), C("b")})),
    ("Compared", "redeclared field compared", lambda C, _: C("a", [], b"x") == C("a", [], b"y")),
    ("Compared", "redeclared field hashed", lambda C, _: hash(C("a", [], b"x"))),
    ("Loaded", "repr leaves raw out", lambda C, _: repr(C("a", [1], b"x")).split("(", 1)[1]),
    # repr
    ("Point", "repr leaves label out", lambda C, _: repr(C(1, 2, "secret")).split("(", 1)[1]),
    ("Labeled", "repr of a subclass", lambda C, _: repr(C(1, name="n")).split("(", 1)[1]),
    # immutability
    ("Point", "assign a field", lambda C, _: setattr(C(1), "x", 2)),
    ("Point", "assign a new name", lambda C, _: setattr(C(1), "z", 2)),
    ("Point", "delete a field", lambda C, _: delattr(C(1), "y")),
    # match
    ("Point", "match args", lambda C, _: C.__match_args__),
    ("Range", "match args, keyword-only", lambda C, _: C.__match_args__),
    ("Span", "match args after keyword-only", lambda C, _: C.__match_args__),
    ("Mixed", "match args without the keyword-only", lambda C, _: C.__match_args__),
    # copies
    ("Point", "copy", lambda C, _: copy.copy(C(1, 2, "a"))),
    ("Point", "deepcopy", lambda C, _: copy.deepcopy(C(1, 2, "a", ("t",)))),
    ("Labeled", "pickle", lambda C, _: pickle.loads(pickle.dumps(C(1, name="n")))),  # noqa: S301
    ("Point", "pickled stays frozen", lambda C, _: setattr(_pickled(C(1)), "x", 2)),
    # replace
    ("Point", "replace", lambda C, rep: rep(C(1, 2, "a"), y=5)),
    ("Point", "replace keeps the factory's value", lambda C, rep: rep(C(1, tags=("t",)), x=2)),
    ("Range", "replace runs post_init", lambda C, rep: rep(C(high=2), low=5)),
    ("Span", "replace a keyword-only field", lambda C, rep: rep(C(3, high=4), low=2)),
    ("Point", "replace an unknown field", lambda C, rep: rep(C(1), z=1)),
]


def _pickled(value: object) -> Any:
    return pickle.loads(pickle.dumps(value))  # noqa: S301  (bytes made on this line)


@pytest.mark.parametrize(
    ("pair", "case"), [(pair, case) for pair, _, case in CASES], ids=[n for _, n, _ in CASES]
)
def test_a_record_behaves_as_a_frozen_dataclass(pair: str, case: Case) -> None:
    record_class, dataclass_class = PAIRS[pair]
    as_record = _describe(lambda: case(record_class, _record_replace))
    as_dataclass = _describe(lambda: case(dataclass_class, _dataclass_replace))
    assert as_record == as_dataclass


def test_most_cases_end_in_a_value() -> None:
    # Cases that all failed alike (a typo in a case, say) would pass without testing anything.
    outcomes = [
        _describe(partial(case, PAIRS[pair][0], _record_replace)) for pair, _, case in CASES
    ]
    raised = [outcome for outcome in outcomes if any(outcome == r for r in _RAISED)]
    assert len(raised) < len(outcomes) / 2
    assert ("raises", "AttributeError") in raised


_RAISED = [("raises", name) for name in ("TypeError", "ValueError", "AttributeError")]


def test_matching_a_positional_pattern() -> None:
    for point_class in (RPoint, DPoint):
        match point_class(1, 2):
            case point_class(1, y):
                assert y == 2
            case _:
                pytest.fail(f"{point_class.__name__}(1, y) did not match")
    match RSpan(3, high=4):
        case RSpan(width):
            assert width == 3
        case _:
            pytest.fail("RSpan(width) did not match")


def test_copy_replace_on_both() -> None:
    # copy.replace (Python 3.13+) calls __replace__, which dataclasses have from 3.13 on; before
    # 3.13 the Record's __replace__ is compared with dataclasses.replace.
    copy_replace = getattr(copy, "replace", None)
    if copy_replace is not None:
        assert _value(copy_replace(RPoint(1, 2), x=5)) == _value(copy_replace(DPoint(1, 2), x=5))
    moved = RPoint(1, 2).__replace__(x=5)
    assert _value(moved) == _value(dataclasses.replace(DPoint(1, 2), x=5))


# -- what a class may declare -----------------------------------------------------------------


def test_a_required_field_after_a_default_is_refused_by_both() -> None:
    with pytest.raises(TypeError, match="'b' without a default follows field 'a'"):

        class Broken(Record):  # defining it is the test
            a: int = 0
            b: int  # type: ignore[misc]  # the mistake under test

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @dataclass(frozen=True)
        class DBroken:
            a: int = 0
            b: int  # type: ignore[misc]  # the mistake under test


def test_a_required_positional_field_after_inherited_defaults_is_refused_by_both() -> None:
    with pytest.raises(TypeError, match="'z' without a default follows field 'tags'"):

        class Broken(RPoint):
            z: int  # type: ignore[misc]  # the mistake under test

    with pytest.raises(TypeError, match="non-default argument 'z'"):

        @dataclass(frozen=True)
        class DBroken(DPoint):
            z: int  # type: ignore[misc]  # the mistake under test


def test_a_kw_only_record_can_be_subclassed_with_a_required_field() -> None:
    # The defect: RSpan (a required field after RRange's keyword-only default) raised
    # "follows a field with a default" at its definition, where a dataclass is fine.
    assert RSpan(3, high=4) == RSpan(width=3, low=0, high=4)
    assert RSpan._positional == ("width",)
    assert RSpan._fields == ("low", "high", "width")


def test_a_mutable_default_is_refused_by_both() -> None:
    with pytest.raises(ValueError, match="mutable default list: use field\\(default_factory"):

        class Bag(Record):
            items: list[int] = []  # noqa: RUF012  (the mistake under test)

    with pytest.raises(ValueError, match="mutable default"):

        @dataclass(frozen=True)
        class DBag:
            items: list[int] = []  # noqa: RUF008  (the mistake under test)


def test_default_and_factory_together_are_refused_by_both() -> None:
    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=(), default_factory=tuple)
    with pytest.raises(ValueError, match="both default and default_factory"):
        dataclasses.field(default=(), default_factory=tuple)  # type: ignore[call-overload]


def test_frozen_error_names_the_field() -> None:
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        RPoint(1).x = 3  # type: ignore[misc]
    with pytest.raises(FrozenRecordError, match="cannot delete field 'y'"):
        del RPoint(1).y


# -- a Record is not a dataclass --------------------------------------------------------------


@pytest.mark.parametrize(
    ("helper", "message"),
    [
        (dataclasses.replace, "replace\\(\\) should be called on dataclass instances"),
        (dataclasses.asdict, "asdict\\(\\) should be called on dataclass instances"),
        (dataclasses.astuple, "astuple\\(\\) should be called on dataclass instances"),
        (dataclasses.fields, "must be called with a dataclass type or instance"),
    ],
)
def test_the_dataclasses_helpers_refuse_a_record_at_run_time(
    helper: Callable[[Any], object], message: str
) -> None:
    assert not dataclasses.is_dataclass(RPoint(1))
    with pytest.raises(TypeError, match=message):
        helper(RPoint(1))


SNIPPET = """\
import dataclasses
from license_guard._record import Record, replace

class Point(Record):
    x: int
    y: int = 0

point = Point(1)
dataclasses.replace(point, x=2)
dataclasses.asdict(point)
dataclasses.astuple(point)
dataclasses.fields(Point)
replace(point, x=2)
replace(point, z=2)
replace(point, x="a")
"""


@pytest.mark.slow
def test_mypy_refuses_the_dataclasses_helpers_and_checks_replace(tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text(SNIPPET, encoding="utf-8")
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "c")]
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", *config, "--no-error-summary", "snippet.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("snippet.py")]
    found = {int(line.split(":")[1]): line for line in lines}
    assert sorted(found) == [9, 10, 11, 12, 14, 15], completed.stdout + completed.stderr
    for number in (9, 10, 11, 12):
        assert "fails at run time on a Record" in found[number]
    assert "use license_guard._record.replace" in found[9]
    assert 'Unexpected keyword argument "z" for "replace" of "Point"' in found[14]
    assert 'Argument "x" to "replace" of "Point" has incompatible type "str"' in found[15]
