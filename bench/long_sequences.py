"""Benchmark: long step-RNN sequences, the tool against plain per-step encodings.

Not part of the test suite (performance is not tested by timed tests). For each length
T and each input kind (binary digit strings in the YAML, float64 inputs in a ``.npy``
file, decimal inputs in a ``.csv`` file) it writes a realizable spec (outputs simulated
from known rational weights) and an unrealizable one (one output flipped), then
measures, in the same run:

1. the tool end to end as a command, ``python -m verify check spec.yaml`` (wall time:
   start-up, YAML, loading, solving, the trusted check, the report), and in process
   (``verify.models.threshold.pipeline.check_spec`` on a loaded root) with a breakdown by stage;
2. a plain Z3 encoding: Reals w1, w2, b and one exact assertion per step;
3. a plain HiGHS encoding (highspy): one LP row per step, strict rows as ``>= 1`` by
   homogeneity, the others ``<= 0``.

Run from the repository root::

    python bench/long_sequences.py            # T = 10**3 .. 10**6 (several minutes)
    python bench/long_sequences.py --quick    # T <= 10**4, a smoke run (< 30 s)

Every verdict is compared with the expected one; a mismatch is printed and makes the
exit status 1. Timings are medians (this machine is small and noisy).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

KINDS = ("binary", "npy", "csv")
SIZES = (10**3, 10**4, 10**5, 10**6)
QUICK_SIZES = (10**3, 10**4)
# Known weights (w1, w2, b) the outputs are simulated from; chosen so outputs vary and
# depend on s_{t-1}. Binary: y_t = x_t and not y_{t-1}.
WEIGHTS = {
    "binary": (Fraction(3, 2), Fraction(-2), Fraction(-1, 7)),
    "npy": (Fraction(3, 2), Fraction(-1, 3), Fraction(-1, 7)),
    "csv": (Fraction(3, 2), Fraction(-1, 3), Fraction(-1, 7)),
}
CSV_SCALE = 10**6  # csv inputs are k / 10**6, written as decimals with 6 places
CAP_SECONDS = 60.0  # a baseline is skipped at sizes after one that took longer than this
QUICK_Z3_MAX_STEPS = 10**3  # --quick: the per-step z3 encoding takes seconds at 10**4
TARGET_1M_SECONDS = 1.0
TARGET_Z3_RATIO = 5.0


# -- spec generation -----------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    kind: str
    steps: int
    realizable: bool
    spec: Path
    x_num: np.ndarray  # exact inputs x_t = x_num / x_den (int64, or float64 for npy)
    x_den: int
    y: np.ndarray      # int8 outputs
    s0: int = 0

    @property
    def label(self) -> str:
        return f"{self.kind:6s} {self.steps:>8d} {'real' if self.realizable else 'unreal':6s}"

    def x_fractions(self) -> Iterator[tuple[int, int]]:
        """Exact (numerator, denominator) of each input (baselines build from these)."""
        if self.x_num.dtype.kind == "f":
            yield from (float(v).as_integer_ratio() for v in self.x_num)
        else:
            yield from ((int(v), self.x_den) for v in self.x_num)

    def x_float(self) -> np.ndarray:
        return np.asarray(self.x_num, dtype=np.float64) / self.x_den


def _exceeds(x_num: np.ndarray, x_den: int, tau: Fraction) -> np.ndarray:
    """x_num / x_den > tau, exactly, elementwise."""
    if x_num.dtype.kind == "f":
        ft = float(tau)
        out = x_num > ft
        for i in np.flatnonzero(x_num == ft):  # float ties: decide with Fractions
            out[i] = Fraction(float(x_num[i])) > tau
        return out
    # integers: x/d > p/q  <=>  x*q > p*d  (d, q > 0; magnitudes stay far below 2**63)
    return x_num * tau.denominator > tau.numerator * x_den


def simulate(x_num: np.ndarray, x_den: int, weights: tuple[Fraction, ...],
             s0: int) -> np.ndarray:
    """Outputs of s_t = step(w1*x_t + w2*s_{t-1} + b), step(z) = [z > 0], exactly (w1 > 0)."""
    w1, w2, b = weights
    assert w1 > 0
    above = [_exceeds(x_num, x_den, (-w2 * s - b) / w1) for s in (0, 1)]
    a0, a1 = above[0].tolist(), above[1].tolist()
    y = bytearray(len(a0))
    s = s0
    for t in range(len(a0)):  # the recurrence is sequential; generation only, not timed
        s = int(a1[t] if s else a0[t])
        y[t] = s
    return np.frombuffer(bytes(y), dtype=np.int8).copy()


def _digits(values: np.ndarray) -> str:
    return (np.asarray(values, dtype=np.uint8) + ord("0")).tobytes().decode("ascii")


def make_cases(workdir: Path, kind: str, steps: int, seed: int = 0) -> list[Case]:
    """The realizable and the unrealizable spec of one (kind, T), written to workdir."""
    rng = np.random.default_rng(seed * 1000 + steps)
    stem = f"{kind}_{steps}"
    x_num: np.ndarray
    if kind == "binary":
        x_num, x_den = rng.integers(0, 2, steps, dtype=np.int64), 1
        input_yaml = f'"{_digits(x_num)}"'
    elif kind == "npy":
        x_num, x_den = rng.standard_normal(steps), 1
        np.save(workdir / f"{stem}.npy", x_num)
        input_yaml = f"{{file: {stem}.npy}}"
    elif kind == "csv":
        x_num, x_den = rng.integers(-3 * CSV_SCALE, 3 * CSV_SCALE, steps, dtype=np.int64), CSV_SCALE
        text = "\n".join(f"{v / CSV_SCALE:.6f}" for v in x_num.tolist()) + "\n"
        (workdir / f"{stem}.csv").write_text(text)
        input_yaml = f"{{file: {stem}.csv}}"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    y = simulate(x_num, x_den, WEIGHTS[kind], s0=0)
    flipped = y.copy()
    flipped[steps // 2] ^= 1  # conflicts with the many steps on the other side
    cases = []
    for realizable, outputs in ((True, y), (False, flipped)):
        name = f"{stem}_{'real' if realizable else 'unreal'}"
        path = workdir / f"{name}.yaml"
        path.write_text(f"model: step-rnn\nname: {name}\ninput: {input_yaml}\n"
                        f'output: "{_digits(outputs)}"\ns0: 0\n')
        cases.append(Case(kind, steps, realizable, path, x_num, x_den, outputs))
    return cases


# -- the tool ------------------------------------------------------------------------------

def _verdict_of_text(text: str) -> str:
    if "UNREALIZABLE" in text:
        return "unrealizable"
    if "REALIZABLE" in text:
        return "realizable"
    return "error"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tool_cli(case: Case) -> tuple[str, float, float]:
    """``python -m verify check spec.yaml`` as a subprocess: (verdict, wall s, CPU s)."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "verify", "check", str(case.spec)],
                          capture_output=True, text=True, cwd=REPO, check=False)
    elapsed = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    verdict = _verdict_of_text(proc.stdout) if proc.returncode == 0 else (
        f"error(rc={proc.returncode}: {(proc.stdout + proc.stderr).strip()[:200]})")
    return verdict, elapsed, cpu


STAGES = ("load", "compile", "reduce", "solve", "check", "report")


@contextlib.contextmanager
def _timed_pipeline(times: dict[str, float]) -> Iterator[None]:
    """Wrap the stage functions ``check_spec`` calls, so its own run is broken down."""
    from verify.models.threshold import pipeline
    from verify.models.threshold import render as rnn

    def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[stage] = times.get(stage, 0.0) + time.perf_counter() - t0
        return run

    class _Report:
        to_json = staticmethod(timed("report", rnn.to_json))
        to_text = staticmethod(timed("report", rnn.to_text))

    saved = {name: getattr(pipeline, name) for name in
             ("load_rnn_spec", "compile_spec", "reduce_table", "solve", "recheck", "report")}
    patched: dict[str, Any] = {
        "load_rnn_spec": timed("load", saved["load_rnn_spec"]),
        "compile_spec": timed("compile", saved["compile_spec"]),
        "reduce_table": timed("reduce", saved["reduce_table"]),
        "solve": timed("solve", saved["solve"]),
        "recheck": timed("check", saved["recheck"]),
        "report": _Report,
    }
    try:
        for name, value in patched.items():
            setattr(pipeline, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(pipeline, name, value)


def tool_inprocess(case: Case) -> tuple[str, dict[str, float]]:
    """check_spec on a loaded root, in this process: (verdict, seconds per stage + total)."""
    from verify.input.yamldoc import load_file
    from verify.models.threshold import pipeline
    from verify.outcome import Options

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    root = load_file(case.spec)
    times["load"] = time.perf_counter() - t0
    with _timed_pipeline(times):
        outcome = pipeline.check_spec(root, Options())
        end = time.perf_counter()
    times["total"] = end - t0
    times["other"] = times["total"] - sum(times.get(s, 0.0) for s in STAGES)
    return outcome.status, times


# -- baselines -------------------------------------------------------------------------------

def z3_plain(case: Case) -> tuple[str, float]:
    """One exact z3 assertion per step, then check(): (verdict, build + solve seconds)."""
    import z3

    t0 = time.perf_counter()
    w1, w2, b = z3.Reals("w1 w2 b")
    solver = z3.Solver()
    prev = case.s0
    for (num, den), y in zip(case.x_fractions(), case.y.tolist()):
        z = w1 * z3.Q(num, den) + w2 * prev + b
        solver.add(z > 0 if y else z <= 0)
        prev = y
    answer = solver.check()
    elapsed = time.perf_counter() - t0
    verdict = ("realizable" if answer == z3.sat else
               "unrealizable" if answer == z3.unsat else str(answer))
    return verdict, elapsed


def highs_plain(case: Case) -> tuple[str, float]:
    """One HiGHS row per step (float LP): (verdict, build + solve seconds)."""
    import highspy

    t0 = time.perf_counter()
    steps = len(case.y)
    inf = highspy.kHighsInf
    s_prev = np.empty(steps, dtype=np.float64)
    s_prev[0] = case.s0
    s_prev[1:] = case.y[:-1]
    dense = np.stack([case.x_float(), s_prev, np.ones(steps)], axis=1)
    keep = dense != 0
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 3, steps
    lp.col_cost_ = np.zeros(3)
    lp.col_lower_ = np.full(3, -inf)
    lp.col_upper_ = np.full(3, inf)
    ones = case.y == 1
    lp.row_lower_ = np.where(ones, 1.0, -inf)  # z > 0 as z >= 1: the system is homogeneous
    lp.row_upper_ = np.where(ones, inf, 0.0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = 3, steps
    lp.a_matrix_.start_ = np.concatenate(([0], np.cumsum(keep.sum(axis=1)))).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(keep)[1].astype(np.int32)
    lp.a_matrix_.value_ = dense[keep]
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    elapsed = time.perf_counter() - t0
    verdict = {highspy.HighsModelStatus.kOptimal: "realizable",
               highspy.HighsModelStatus.kInfeasible: "unrealizable"}.get(
        status, h.modelStatusToString(status))
    return verdict, elapsed


# -- the run ---------------------------------------------------------------------------------

@dataclass
class Row:
    case: Case
    verdicts: dict[str, str] = field(default_factory=dict)
    cli: list[float] = field(default_factory=list)
    cli_cpu: list[float] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    z3: list[float] = field(default_factory=list)
    highs: list[float] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # baselines not run (cap)

    def median(self, name: str) -> float | None:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else None

    def stage_median(self, stage: str) -> float:
        return statistics.median(s.get(stage, 0.0) for s in self.stages)

    def ok(self) -> bool:
        want = "realizable" if self.case.realizable else "unrealizable"
        return all(v == want for v in self.verdicts.values())


def _repeats(steps: int, quick: bool) -> int:
    if quick:
        return 3
    return 5 if steps <= 10**4 else 3


def _baseline_repeats(first: float) -> int:
    return 3 if first < 1.0 else (2 if first < 10.0 else 1)


def measure(case: Case, quick: bool, baselines: list[str]) -> Row:
    row = Row(case)
    for _ in range(_repeats(case.steps, quick)):
        verdict, seconds, cpu = tool_cli(case)
        row.verdicts["cli"] = verdict
        row.cli.append(seconds)
        row.cli_cpu.append(cpu)
        verdict, times = tool_inprocess(case)
        row.verdicts["inproc"] = verdict
        row.stages.append(times)
    for name, fn in (("highs", highs_plain), ("z3", z3_plain)):
        if name not in baselines:
            row.skipped.add(name)
            continue
        samples: list[float] = getattr(row, name)
        verdict, seconds = fn(case)
        samples.append(seconds)
        row.verdicts[name] = verdict
        for _ in range(_baseline_repeats(seconds) - 1):
            samples.append(fn(case)[1])
    return row


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "skipped"
    return f"{seconds * 1000:.0f}" if seconds >= 0.0095 else f"{seconds * 1000:.1f}"


def _ratio(base: float | None, tool: float | None) -> str:
    return "-" if base is None or not tool else f"{base / tool:.1f}x"


def print_table(rows: list[Row]) -> None:
    head = (f"{'kind':6s} {'T':>8s} {'spec':6s} | {'cli ms':>7s} {'cpu ms':>7s} | "
            f"{'in-proc':>7s} = "
            + " + ".join(f"{s:>7s}" for s in STAGES)
            + f" | {'z3 ms':>8s} {'highs ms':>8s} | {'z3/cli':>7s} {'hs/cli':>7s}"
            + f" {'z3/inp':>7s} | verdict")
    print(head)
    print("-" * len(head))
    for r in rows:
        cli, inproc = r.median("cli"), r.stage_median("total")
        z3_time, highs = r.median("z3"), r.median("highs")
        verdict = r.verdicts.get("cli", "?") if r.ok() else "MISMATCH " + json.dumps(r.verdicts)
        print(f"{r.case.label} | {_ms(cli):>7s} {_ms(r.median('cli_cpu')):>7s} | "
              f"{_ms(inproc):>7s} = "
              + " + ".join(f"{_ms(r.stage_median(s)):>7s}" for s in STAGES)
              + f" | {_ms(z3_time):>8s} {_ms(highs):>8s} | {_ratio(z3_time, cli):>7s} "
              f"{_ratio(highs, cli):>7s} {_ratio(z3_time, inproc):>7s} | {verdict}")


def check_targets(rows: list[Row]) -> bool:
    """Print PASS/FAIL for the two targets; True if every measured target passes."""
    ok = True
    big = [r for r in rows if r.case.steps == 10**6]
    if big:
        worst = max(big, key=lambda r: r.median("cli") or 0.0)
        passed = all((r.median("cli") or 0.0) < TARGET_1M_SECONDS and r.ok() for r in big)
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}: 10**6-step specs answered and checked end to end "
              f"as a command in < {TARGET_1M_SECONDS:.0f} s (slowest median: "
              f"{_ms(worst.median('cli'))} ms, {worst.case.label.strip()})")
    else:
        print("n/a : 10**6-step target not measured (--quick or --sizes)")
    mid = [r for r in rows if r.case.steps == 10**5]
    if mid:
        ratios = [(r.median("z3") or 0.0) / (r.median("cli") or 1.0)
                  for r in mid if r.z3]
        passed = bool(ratios) and all(q > TARGET_Z3_RATIO for q in ratios)
        ok &= passed
        low = f"{min(ratios):.1f}x" if ratios else "z3 skipped"
        print(f"{'PASS' if passed else 'FAIL'}: tool (end to end) more than "
              f"{TARGET_Z3_RATIO:.0f}x faster than the plain Z3 encoding at 10**5 steps "
              f"(smallest ratio: {low})")
    else:
        print("n/a : 10**5-step target not measured (--quick or --sizes)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 10**4 (smoke run)")
    parser.add_argument("--sizes", type=int, nargs="+", help="step counts to run")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--baselines", nargs="*", choices=("z3", "highs"),
                        default=["z3", "highs"], help="baselines to run (default: both)")
    parser.add_argument("--keep", metavar="DIR", help="write the specs to DIR and keep them")
    parser.add_argument("--json", metavar="PATH", help="also write the raw timings as JSON")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes or (QUICK_SIZES if args.quick else SIZES))
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="verify-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {len(sizes)} sizes x {len(args.kinds)} kinds; "
          f"specs in {workdir}; times in ms (medians)", flush=True)
    rows: list[Row] = []
    try:
        # warm up the in-process imports (z3, numpy paths) so stage times exclude them
        warm = make_cases(workdir, "binary", 10, seed=99)
        tool_inprocess(warm[0])
        for kind in args.kinds:
            slowest: dict[tuple[str, bool], float] = {}
            for steps in sizes:
                for case in make_cases(workdir, kind, steps):
                    run = [b for b in args.baselines
                           if slowest.get((b, case.realizable), 0.0) <= CAP_SECONDS
                           and not (b == "z3" and args.quick and steps > QUICK_Z3_MAX_STEPS)]
                    row = measure(case, args.quick, run)
                    for b in run:
                        slowest[(b, case.realizable)] = min(getattr(row, b))
                    rows.append(row)
                    print(f"  done {case.label.strip():24s} " + ", ".join(
                        f"{name} {_ms(row.median(name))}" for name in ("cli", "z3", "highs"))
                        + " (ms)", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print_table(rows)
    print("(cli: `python -m verify check spec.yaml`, wall time incl. start-up, and its CPU "
          "time; in-proc: load + check_spec in this process, by stage; ratios: baseline / "
          "tool; baselines time building + solving, in process)")
    print()
    targets_ok = check_targets(rows)
    if args.json:
        Path(args.json).write_text(json.dumps([{
            "kind": r.case.kind, "steps": r.case.steps, "realizable": r.case.realizable,
            "verdicts": r.verdicts, "cli": r.cli, "cli_cpu": r.cli_cpu, "stages": r.stages, "z3": r.z3,
            "skipped": sorted(r.skipped), "highs": r.highs} for r in rows], indent=1))
    mismatches = [r for r in rows if not r.ok()]
    for r in mismatches:
        print(f"MISMATCH {r.case.label}: {r.verdicts}")
    return 1 if mismatches else (0 if targets_ok else 2)


if __name__ == "__main__":
    sys.exit(main())
