"""license_guard._record: the frozen values of the start path behave as frozen dataclasses do."""

from __future__ import annotations

import copy
import pickle
import typing
from typing import ClassVar

import pytest

from license_guard._record import FrozenRecordError, Record, field, replace


class Point(Record):
    x: int
    y: int = 0
    label: str = field(default="", repr=False)
    kind: ClassVar[str] = "point"
    unit: typing.ClassVar[str] = "px"


class Checked(Record, kw_only=True):
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


def test_construction_by_position_and_keyword_with_defaults() -> None:
    assert Point(1, 2).y == 2
    assert Point(1).y == 0
    assert Point(x=1, label="a").label == "a"
    assert (Point.kind, Point.unit) == ("point", "px")
    assert Point._fields == ("x", "y", "label")
    assert (Point.y, Point.label) == (0, "")  # the class reads its defaults, as a dataclass's


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing required argument 'x'"),
        ((1, 2, "a", 4), {}, "takes 3 positional arguments but 4 were given"),
        ((1,), {"x": 2}, "multiple values for argument 'x'"),
        ((1,), {"z": 2}, "unexpected keyword argument 'z'"),
    ],
)
def test_wrong_arguments_are_type_errors(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)


def test_keyword_only_and_post_init() -> None:
    assert Checked(low=1, high=2).high == 2
    with pytest.raises(TypeError, match="takes 0 positional arguments"):
        Checked(1, 2)  # type: ignore[misc]
    with pytest.raises(ValueError, match="low above high"):
        Checked(low=3, high=2)


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="follows a field with a default"):

        class Broken(Record):  # defining it is the test
            a: int = 0
            b: int


def test_frozen() -> None:
    point = Point(1, 2)
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y  # type: ignore[misc]
    assert point == Point(1, 2)


def test_equality_and_hash_by_value_and_class() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "a")
    assert Point(1, 2) != Point(1, 3)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert Point(1, 2) != (1, 2, "")
    assert Point(1) != Checked(low=1, high=1)


def test_repr_leaves_hidden_fields_out() -> None:
    assert repr(Point(1, 2, "secret")) == "Point(x=1, y=2)"
    assert "secret" not in str(Point(1, 2, "secret"))


def test_replace_makes_a_checked_copy() -> None:
    point = Point(1, 2, "a")
    moved = replace(point, y=5)
    assert (moved, point) == (Point(1, 5, "a"), Point(1, 2, "a"))
    with pytest.raises(ValueError, match="low above high"):
        replace(Checked(low=1, high=2), low=5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        replace(point, z=1)


def test_copies_and_pickles_keep_the_value() -> None:
    point = Point(1, 2, "a")
    assert copy.copy(point) == point
    assert copy.deepcopy(point) == point
    restored = pickle.loads(pickle.dumps(point))  # noqa: S301  (bytes made on this line)
    assert restored == point
    assert repr(restored) == "Point(x=1, y=2)"
    with pytest.raises(FrozenRecordError):
        restored.x = 2  # type: ignore[misc]


def test_positional_match_patterns() -> None:
    match Point(1, 2):
        case Point(1, y):
            assert y == 2
        case _:
            pytest.fail("Point(1, y) did not match")
    assert Checked.__match_args__ == ()


def test_a_mutable_default_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        class Bag(Record):  # defining it is the test
            items: list[int] = []  # noqa: RUF012  (the mistake under test)


def test_dunder_replace_serves_copy_replace() -> None:
    # copy.replace (Python 3.13+) calls __replace__.
    assert Point(1, 2).__replace__(x=5) == Point(5, 2)
