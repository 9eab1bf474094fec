"""``guard.require()``: a decorator and a context manager that let premium code run only while
the license allows it.

The hot path reads memory only: one attribute load for the current :class:`Admission`, one
monotonic clock read, and a set lookup for a feature. When the admission has run out (it is
re-derived at least every minute, and at once when the license state can change), the guard
re-decides offline from the lease it holds: no network, ever, inside a gated call.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import FunctionType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from license_guard._record import Record
from license_guard.errors import LicenseError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Admission", "Admissions", "Gate", "OnDenied"]

F = TypeVar("F", bound=Callable[..., Any])
OnDenied = Callable[[LicenseError], Any]
"""Called with the refusal instead of raising it; its return value becomes the call's result."""


class Admission(Record):
    """What the gate may allow without asking the guard: until ``until`` (monotonic seconds)."""

    until: float
    features: frozenset[str]


DENY_ALL = Admission(until=float("-inf"), features=frozenset())


class Admissions:
    """What a gate reads: the current :class:`Admission`, the monotonic clock, and the slow path.

    The guard owns one and replaces ``current`` whenever the license state changes; every gate
    of that guard reads it. ``decide(feature)`` re-decides offline once ``current`` has run out
    and returns the refusal, or ``None`` to let the call run.
    """

    __slots__ = ("current", "decide", "monotonic")

    def __init__(
        self,
        *,
        monotonic: Callable[[], float],
        decide: Callable[[str | None], LicenseError | None],
    ) -> None:
        self.current = DENY_ALL
        self.monotonic = monotonic
        self.decide = decide

    def __repr__(self) -> str:
        return f"Admissions(current={self.current!r})"


class Gate:
    """Returned by ``guard.require(feature, on_denied=...)``.

    As a decorator (sync or async functions and methods; metadata kept by ``functools.wraps``),
    a refused call raises the :class:`LicenseError`, or, with ``on_denied``, returns what
    ``on_denied(error)`` returns (awaited if it is awaitable, for async functions).

    As a context manager (``with`` or ``async with``) a refusal calls ``on_denied(error)`` if
    given and then raises the error, since a ``with`` block cannot be skipped.
    """

    __slots__ = ("_admissions", "_feature", "_on_denied")

    def __init__(
        self,
        admissions: Admissions,
        feature: str | None = None,
        on_denied: OnDenied | None = None,
    ) -> None:
        self._admissions = admissions
        self._feature = feature
        self._on_denied = on_denied

    def __repr__(self) -> str:
        return f"Gate(feature={self._feature!r})"

    def check(self) -> LicenseError | None:
        """The refusal that would stop a gated call right now, or ``None`` if it may run."""
        admissions = self._admissions
        admission = admissions.current
        feature = self._feature
        if admission.until > admissions.monotonic() and (
            feature is None or feature in admission.features
        ):
            return None
        return admissions.decide(feature)

    def __call__(self, func: F) -> F:
        admissions = self._admissions
        feature = self._feature
        on_denied = self._on_denied
        monotonic = admissions.monotonic
        decide = admissions.decide

        if _is_coroutine_function(func):

            @functools.wraps(func)
            async def async_gated(*args: Any, **kwargs: Any) -> Any:
                admission = admissions.current
                if not (
                    admission.until > monotonic()
                    and (feature is None or feature in admission.features)
                ):
                    error = decide(feature)
                    if error is not None:
                        if on_denied is None:
                            raise error
                        result = on_denied(error)
                        if _is_awaitable(result):
                            return await result
                        return result
                return await func(*args, **kwargs)

            return cast("F", async_gated)

        @functools.wraps(func)
        def gated(*args: Any, **kwargs: Any) -> Any:
            admission = admissions.current
            if not (
                admission.until > monotonic() and (feature is None or feature in admission.features)
            ):
                error = decide(feature)
                if error is not None:
                    if on_denied is None:
                        raise error
                    return on_denied(error)
            return func(*args, **kwargs)

        return cast("F", gated)

    def __enter__(self) -> Self:
        self._enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def __aenter__(self) -> Self:
        error = self.check()
        if error is not None:
            if self._on_denied is not None:
                result = self._on_denied(error)
                if _is_awaitable(result):
                    await result
            raise error
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def _enter(self) -> None:
        error = self.check()
        if error is not None:
            if self._on_denied is not None:
                self._on_denied(error)
            raise error


# ``inspect`` (with ``ast``, ``dis`` and ``tokenize`` behind it) costs a start several
# milliseconds; an app decorating its functions at import time should not pay them for the
# common case, a plain function, whose code object already says whether it is ``async def``.
_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE


def _is_coroutine_function(func: object) -> bool:
    """``inspect.iscoroutinefunction``, without importing inspect for plain functions."""
    if (
        type(func) is FunctionType
        and "_is_coroutine_marker" not in func.__dict__  # markcoroutinefunction (3.12+)
        and "__partialmethod__" not in func.__dict__  # unwrapped by inspect (3.13+)
    ):
        return bool(func.__code__.co_flags & _CO_COROUTINE)
    import inspect  # partials, methods, callables, and the marked functions above

    return inspect.iscoroutinefunction(func)


def _is_awaitable(value: object) -> bool:
    """``inspect.isawaitable``, imported only when ``on_denied`` returned something."""
    if value is None:
        return False
    if isinstance(value, Awaitable):
        return True
    import inspect  # generator-based coroutines are awaitable without being Awaitable

    return inspect.isawaitable(value)
