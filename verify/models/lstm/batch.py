"""Stage: LSTM gradient checking (instance sets). Draw the instances a question's formulas
are judged on once, and screen a claimed formula on all of them at once.

A :class:`Prepared` set holds, in one layout:

* the **grid** instances hypothesis draws (sizes 1..3, values on the half-integer grid in
  [-3.5, 4], saturated gates too), in draw order, exactly those the checker always drew;
* **continuous** instances from a seeded generator: sizes up to 8, values uniform in
  [-2, 2] and in [-6, 6], off any grid;
* a few instances recomputed with 50 digits for the confirmation
  (:mod:`verify.models.lstm.precision`).

Instances of equal sizes are stacked along a leading batch axis, so screening a formula is
a handful of NumPy operations per size (:mod:`verify.models.lstm.expr_eval`). Formulas
that write literal numbers off the grid (``0.25``, ``1e300``) are also screened on
instances whose values are those numbers. Float64 then 50 digits: untrusted.
"""

from __future__ import annotations

import ast
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from verify.models.lstm.expr import Array, ShapeError
from verify.models.lstm.formula_spec import Entry, FormulaSpec, evaluate_claim_batch
from verify.models.lstm.instance import Instance, close_batch, fit_shape, instances, stack
from verify.models.lstm.layouts import Layout
from verify.models.lstm.precision import DIGITS, agree, column_precise
from verify.outcome import Options

WIDE_PAIRS = ((4, 7), (7, 4), (8, 8), (1, 8), (8, 3))  # (D, H) of continuous instances
WIDE_PER_PAIR = 8  # half with values in [-2, 2], half in [-6, 6]
SPREADS = (2.0, 6.0)
CONSTANT_PAIRS = ((2, 3), (3, 2), (3, 3), (4, 5))


def settings_for(options: Options) -> settings:
    # No example database and derandomized, so checking a spec is reproducible; quiet, so
    # hypothesis prints nothing of its own.
    return settings(database=None, derandomize=True, deadline=None,
                    max_examples=options.examples, verbosity=Verbosity.quiet,
                    phases=(Phase.generate, Phase.shrink), print_blob=False,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False)


@contextmanager
def hypothesis_storage_elsewhere() -> Iterator[None]:
    """Hypothesis caches the constants of local modules under ./.hypothesis even with no
    database; point its storage at a temporary directory so checking writes nothing in
    the user's directory, and put the previous location back afterwards."""
    previous = storage_directory(intent_to_write=False).home_directory
    with tempfile.TemporaryDirectory(prefix="verify-hypothesis-") as tmp:
        set_hypothesis_home_dir(tmp)
        try:
            yield
        finally:
            set_hypothesis_home_dir(previous)


class TimeUp(BaseException):
    """The time limit ran out. A BaseException, like KeyboardInterrupt, so hypothesis does
    not take it for a failing example to shrink and replay but stops drawing at once."""


def check_time(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise TimeUp


def uniform(rng: np.random.Generator, spread: float) -> Callable[[tuple[int, ...]], Array]:
    """Values uniform in [-spread, spread], of a given shape (continuous instances)."""
    return lambda shape: np.asarray(rng.uniform(-spread, spread, size=shape))


def halves(rng: np.random.Generator) -> Callable[[tuple[int, ...]], Array]:
    """Values on the grid of halves in [-3.5, 4], of a given shape (grid instances)."""
    return lambda shape: np.asarray(rng.integers(-7, 9, size=shape) / 2)


@dataclass(frozen=True, eq=False)
class Batch:
    """Instances of equal sizes, stacked; ``positions`` index the grid's draw order.
    (LSTM :class:`Instance` here; the cell models stack their own instance types.)"""

    instances: tuple[Any, ...]
    positions: tuple[int, ...]
    env: dict[str, Array]
    reference: dict[str, Array]


@dataclass(frozen=True, eq=False)
class Precise:
    """One instance recomputed at DIGITS digits (batch axis of 1), in the layout's names."""

    instance: Instance
    env: dict[str, Array]
    reference: dict[str, Array]


@dataclass(frozen=True, eq=False)
class Prepared:
    """The instance set of one question (one layout): prepare once, judge many formulas."""

    layout: Layout
    options: Options
    grid: tuple[Instance, ...]
    grid_batches: tuple[Batch, ...]
    wide_batches: tuple[Batch, ...]
    precise: tuple[Precise, ...]
    timed_out: bool

    @property
    def checked(self) -> int:
        return len(self.grid)

    def meaning(self) -> dict[str, object]:
        """What "correct" means on this set, for the output."""
        wide = sum(len(b.instances) for b in self.wide_batches)
        return {
            "float64": {"grid_instances": len(self.grid), "grid_sizes": "1..3",
                        "grid_values": "multiples of 1/2 in [-3.5, 4]",
                        "continuous_instances": wide,
                        "continuous_sizes": sorted({f"D={d} H={h}" for d, h in WIDE_PAIRS}),
                        "continuous_values": "uniform in [-2, 2] and [-6, 6]",
                        "tolerance": "|got - want| <= 1e-10 * (1 + max|want|) + 1e-8 * |want|",
                        "formula_constants": "values equal to the formula's own literal "
                                             "numbers, when it writes any off the grid"},
            "high_precision": {"instances": len(self.precise), "digits": DIGITS,
                               "tolerance": "|got - want| <= 1e-30 * (1 + max|want|)"},
        }


def _draw_grid(layout: Layout, options: Options, deadline: float | None
               ) -> tuple[list[Instance], bool]:
    drawn: list[Instance] = []

    @seed(options.seed)
    @settings_for(options)
    @given(instances(layout))
    def collect(inst: Instance) -> None:
        check_time(deadline)
        inst.column  # noqa: B018  the reference values now, inside the deadline (cached)
        drawn.append(inst)

    try:
        with hypothesis_storage_elsewhere():
            collect()
    except TimeUp:
        return drawn, True
    return drawn, False


def batches(items: list[Instance], positions: list[int]) -> tuple[Batch, ...]:
    """Group instances by sizes (first appearance first) and stack each group."""
    groups: dict[tuple[int, int], list[int]] = {}
    for k, inst in enumerate(items):
        groups.setdefault((inst.input_size, inst.hidden_size), []).append(k)
    out = []
    for members in groups.values():
        chosen = [items[k] for k in members]
        env, ref = stack(chosen)
        out.append(Batch(tuple(chosen), tuple(positions[k] for k in members), env, ref))
    return tuple(out)


def precise_instance(inst: Instance) -> Precise:
    env, ref = column_precise(inst.drawn, inst.input_size, inst.hidden_size)
    with mpmath.workdps(DIGITS):
        return Precise(inst, inst.layout.env(env), inst.layout.reference(ref))


def prepare(layout: Layout, options: Options, deadline: float | None = None) -> Prepared:
    """Draw and compute the instance set (grid drawing stops at ``deadline``)."""
    grid, timed_out = _draw_grid(layout, options, deadline)
    wide: list[Instance] = []
    chosen: list[Instance] = []
    if not timed_out:  # past the deadline only the grid is judged: skip the rest's cost
        rng = np.random.default_rng(options.seed + 20_260_000)
        wide = [Instance.continuous(d, h, rng, SPREADS[k % 2], layout)
                for d, h in WIDE_PAIRS for k in range(WIDE_PER_PAIR)]
        chosen = [next((g for g in grid if g.input_size != g.hidden_size
                        and min(g.input_size, g.hidden_size) > 1), grid[0])] if grid else []
        chosen += [wide[0], wide[4 * WIDE_PER_PAIR + 1]]  # D=4 H=7 in [-2, 2]; D=8 H=3 in [-6, 6]
    return Prepared(layout, options, tuple(grid), batches(grid, list(range(len(grid)))),
                    batches(wide, [-1] * len(wide)), tuple(precise_instance(i) for i in chosen),
                    timed_out)


def failing_mask(spec: FormulaSpec, entry: Entry, batch: Batch) -> Array:
    """True for each instance of the batch on which the claim disagrees (float64)."""
    size = len(batch.instances)
    try:
        got = evaluate_claim_batch(spec, entry, batch.env)
    except ShapeError:
        return np.ones(size, dtype=bool)
    want = batch.reference[entry.name]
    got_sample, want_sample = tuple(got.shape[1:]), tuple(want.shape[1:])
    if not fit_shape(got_sample, want_sample, spec.layout.loose_vectors):
        return np.ones(size, dtype=bool)
    got = got.reshape((got.shape[0], *want_sample))
    return ~close_batch(got, want)


def first_failing(spec: FormulaSpec, entry: Entry, found: tuple[Batch, ...]) -> Any:
    """The failing instance that comes first (in draw order for grid batches), or None."""
    best: tuple[int, Instance] | None = None
    for order, batch in enumerate(found):
        mask = failing_mask(spec, entry, batch)
        if mask.any():
            k = int(np.argmax(mask))
            key = batch.positions[k] if batch.positions[k] >= 0 else 10**9 + order
            if best is None or key < best[0]:
                best = (key, batch.instances[k])
    return None if best is None else best[1]


def simplify_values(drawn: dict[str, Array], fails: Callable[[dict[str, Array]], bool],
                    simpler: Callable[[str, Array], tuple[Array, ...]] | None = None
                    ) -> dict[str, Array]:
    """Greedy shrinking of values: each drawn tensor in turn replaced by the first simpler
    one (default: zeros, then rounded to halves) on which the claim still fails."""
    def default(name: str, value: Array) -> tuple[Array, ...]:
        return np.zeros_like(value), np.round(value * 2) / 2

    for name, value in list(drawn.items()):
        for option in (simpler or default)(name, value):
            candidate = {**drawn, name: option}
            if not np.array_equal(option, value) and fails(candidate):
                drawn = candidate
                break
    return drawn


def literal_numbers(spec: FormulaSpec, entry: Entry) -> set[float]:
    """The literal numbers the claim (and the defines it reads) writes."""
    found: set[float] = set()
    for item in (*spec.closure(entry), entry):
        for node in ast.walk(item.formula.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
                found.add(float(node.value))
    return found


def constant_batches(spec: FormulaSpec, entry: Entry, options: Options) -> tuple[Batch, ...]:
    """Instances whose values are the formula's own off-grid literals (and their negatives),
    mixed with 0, ±1/2, ±1: a term that is zero except at one value is caught there."""
    special = sorted({s * v for v in literal_numbers(spec, entry) if 0 < abs(v) <= 8
                      and not float(2 * v).is_integer() for s in (1, -1)})
    if not special:
        return ()
    pool = np.array([*special, 0.0, 0.5, -0.5, 1.0, -1.0])
    rng = np.random.default_rng(options.seed + 7)
    items = []
    for d, h in CONSTANT_PAIRS:
        for _ in range(2):
            inst = Instance.filled(d, h, 0.0, spec.layout)
            drawn = {n: rng.choice(pool, size=v.shape) for n, v in inst.drawn.items()}
            in_unit = [v for v in special if 0 < v < 1] or [0.5]
            drawn["f_next"] = rng.choice(np.array(in_unit), size=h)
            items.append(Instance(d, h, drawn, spec.layout, "constants"))
    return batches(items, [-1] * len(items))


def failing_instances(spec: FormulaSpec, entry: Entry, found: tuple[Batch, ...],
                      limit: int) -> list[Any]:
    """Up to ``limit`` failing instances, batch by batch."""
    out: list[Any] = []
    for batch in found:
        mask = failing_mask(spec, entry, batch)
        out += [batch.instances[k] for k in np.flatnonzero(mask)[:limit - len(out)]]
        if len(out) >= limit:
            break
    return out


def confirm(prepared: Prepared, spec: FormulaSpec, entry: Entry
            ) -> tuple[Instance, float] | None:
    """The first high-precision instance on which the claim disagrees beyond RTOL, with the
    worst relative difference; None when it agrees on all of them."""
    return confirm_on(prepared.precise, spec, entry)


def confirm_on(precise: tuple[Precise, ...] | list[Precise], spec: FormulaSpec, entry: Entry
               ) -> tuple[Instance, float] | None:
    """:func:`confirm` on given high-precision instances (see :func:`precise_instance`)."""
    for p in precise:
        with mpmath.workdps(DIGITS):
            try:
                got = evaluate_claim_batch(spec, entry, p.env)
            except ShapeError:
                return p.instance, float("inf")
            want = p.reference[entry.name]
            if not fit_shape(tuple(got.shape[1:]), tuple(want.shape[1:]),
                             spec.layout.loose_vectors):
                return p.instance, float("inf")
            ok, worst = agree(got.reshape((got.shape[0], *want.shape[1:])), want)
        if not ok:
            return p.instance, worst
    return None


__all__ = [
    "Batch",
    "Precise",
    "Prepared",
    "TimeUp",
    "batches",
    "check_time",
    "confirm",
    "confirm_on",
    "constant_batches",
    "failing_instances",
    "failing_mask",
    "first_failing",
    "halves",
    "hypothesis_storage_elsewhere",
    "literal_numbers",
    "precise_instance",
    "prepare",
    "settings_for",
    "simplify_values",
    "uniform",
]
