"""Stage: spec (input). The documented limits on one spec, and the per-spec scope that
enforces them: a digit budget for huge numbers and a deadline for the whole check.

Why limits: a short spec can otherwise ask for minutes of work or gigabytes of memory
(``1e99999`` multiplied 1,000 times, five million inline numbers, a 500 MB data file).
Each limit is refused with exit 2, naming the key, before the expensive work; the deadline
(``--timeout``) turns whatever is left into status ``unknown`` (exit 3).

=========================  ===========  =================================================
limit                      value        what it bounds
=========================  ===========  =================================================
``MAX_NUMBER_DIGITS``      10,000       digits of one number's exact value (numerator and
                                        denominator each): ``1e9999`` yes, ``1e10000`` no
``MAX_WRITTEN_DIGITS``     4,300        digits written in one number (Python's int limit)
``MAX_BIG_DIGITS``         100,000      per spec: total digits of the numbers above 1,000
``MAX_STEPS``              2,000,000    time steps per spec (all sequences)
``MAX_INLINE_VALUES``      100,000      values written in the YAML spec itself
``MAX_DATA_BYTES``         64 MiB       one data file
=========================  ===========  =================================================
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

MAX_NUMBER_DIGITS = 10_000
MAX_WRITTEN_DIGITS = 4_300
BIG_DIGITS = 1_000
MAX_BIG_DIGITS = 100_000
MAX_STEPS = 2_000_000
MAX_INLINE_VALUES = 100_000
MAX_DATA_BYTES = 64 * 2**20
_LOG10_2 = math.log10(2)


class DeadlineExceeded(BaseException):
    """The spec's check ran past its ``--timeout``; caught once, at the CLI boundary. A
    BaseException (like KeyboardInterrupt), so that no ``except Exception`` on the way (a
    backend's import guard, a fallback) mistakes it for a failure of its own."""


class LimitExceeded(ValueError):
    """A documented limit was exceeded; the caller turns it into a SpecError naming its key."""


@dataclass
class _Scope:
    deadline: float | None = None
    big_digits: int = 0
    grace: float = 0.0
    watchdog: bool = False
    allow_outside_data: bool = False


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("spec_scope",
                                                                         default=None)


def digits(n: int) -> int:
    """Decimal digits of ``|n|`` (within one), from its bit length: never converts to text."""
    return max(1, int(abs(n).bit_length() * _LOG10_2) + 1)


_MAX_BITS = int(MAX_NUMBER_DIGITS * math.log2(10)) + 1  # 10**MAX_NUMBER_DIGITS has this many


def too_many_digits(n: int) -> bool:
    """Has ``|n|`` more than MAX_NUMBER_DIGITS decimal digits? Exact, without text: the bit
    length decides but for the few bit lengths near the limit, compared exactly."""
    bits = abs(n).bit_length()
    if bits < _MAX_BITS - 4:
        return False
    return bits > _MAX_BITS or abs(n) >= _ten_to_limit()


@functools.cache
def _ten_to_limit() -> int:
    return int(10**MAX_NUMBER_DIGITS)


def charge_digits(size: int, what: str = "number") -> None:
    """Count a number of ``size`` digits against the spec's budgets (LimitExceeded if over)."""
    if size > MAX_NUMBER_DIGITS:
        raise LimitExceeded(f"{what} has about {size:,} digits; at most "
                            f"{MAX_NUMBER_DIGITS:,} are supported per number")
    if size <= BIG_DIGITS:
        return
    scope = _SCOPE.get()
    if scope is None:
        return
    scope.big_digits += size
    if scope.big_digits > MAX_BIG_DIGITS:
        raise LimitExceeded(f"the spec's numbers of more than {BIG_DIGITS:,} digits add up "
                            f"to more than {MAX_BIG_DIGITS:,} digits; use smaller numbers")


def allow_outside_data() -> bool:
    """May data files lie outside the spec's folder (``--allow-outside-data``)?"""
    scope = _SCOPE.get()
    return scope is not None and scope.allow_outside_data


@contextlib.contextmanager
def recharge() -> Iterator[None]:
    """For a second reading of the same numbers (a slow path that re-parses what a fast
    path already charged): the budget is set back to what it was before the first one,
    if that one failed."""
    scope = _SCOPE.get()
    mark = scope.big_digits if scope is not None else 0
    try:
        yield
    except ValueError:
        if scope is not None:
            scope.big_digits = mark
        raise


def check_deadline() -> None:
    """Raise DeadlineExceeded if this spec's ``--timeout`` has passed (for long loops)."""
    scope = _SCOPE.get()
    if scope is not None and scope.deadline is not None and time.monotonic() > scope.deadline:
        raise DeadlineExceeded()


def remaining() -> float | None:
    """Seconds left before this spec's deadline (None: no deadline)."""
    scope = _SCOPE.get()
    if scope is None or scope.deadline is None:
        return None
    return max(scope.deadline - time.monotonic(), 0.0)


def deadline(timeout: float | None) -> float | None:
    """This spec's deadline as a :func:`time.monotonic` instant: the scope's own, so that a
    model's loops stop (with their partial answer) before the watchdog interrupts them;
    outside a scope, ``timeout`` seconds from now (None: no deadline)."""
    scope = _SCOPE.get()
    if scope is not None and scope.deadline is not None:
        return scope.deadline
    return None if timeout is None else time.monotonic() + timeout


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Stop the clock: time spent here (importing a model's code, once per process) is not
    the spec's work. The watchdog is disarmed meanwhile and the deadline moved later."""
    scope = _SCOPE.get()
    if scope is None or scope.deadline is None:
        yield
        return
    if scope.watchdog:
        signal.setitimer(signal.ITIMER_REAL, 0)
    started = time.monotonic()
    try:
        yield
    finally:
        scope.deadline += time.monotonic() - started
        if scope.watchdog:
            signal.setitimer(signal.ITIMER_REAL,
                             max(scope.deadline - time.monotonic(), 0.0) + scope.grace)


@contextlib.contextmanager
def spec_scope(timeout: float | None, *, grace: float = 0.5,
               allow_outside_data: bool = False) -> Iterator[None]:
    """Check one spec within budgets: digits for huge numbers and, with ``timeout``, a
    deadline. The deadline is checked where loops may be long (``check_deadline``) and, in
    the main thread, also enforced by a watchdog (SIGALRM) ``grace`` seconds later, which
    interrupts any Python code still running; solver calls get their own timeouts."""
    watchdog = (timeout is not None and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread())
    scope = _Scope(None if timeout is None else time.monotonic() + timeout, 0, grace,
                   watchdog, allow_outside_data)
    token = _SCOPE.set(scope)
    previous = None
    if watchdog:
        def _alarm(signum: int, frame: object) -> None:
            raise DeadlineExceeded()
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout + grace)  # type: ignore[operator]
    try:
        yield
    finally:
        if watchdog:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        _SCOPE.reset(token)


@contextlib.contextmanager
def int_text() -> Iterator[None]:
    """Allow int <-> text conversions of any length for exact solver interfaces (z3 speaks
    decimal text). Safe because every number is bounded by MAX_NUMBER_DIGITS at parse time
    and a solver's answer is bounded by what it was given."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)
