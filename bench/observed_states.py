"""Benchmark: observed states, d = 4 inputs, k = 4 units, real-valued inputs from .npy.

Not part of the test suite. A planted network (integer weights in [-3, 3]) is run on
float64 inputs drawn from N(0, 1); its states are the outputs. Measured in one run:

1. the tool end to end as a command: ``python -m verify check --solver lp --format json
   spec.yaml`` (start-up, loading the .npy, the per-unit cutting-plane solve, the trusted
   re-check, the report);
2. in process, the untrusted solve alone (``observed.solve_observed``, lp backend) and
   the trusted witness check alone (``verify.trusted.network.check_witness``);
3. a plain Z3 encoding: Reals W[i], U[i], b[i] per unit, one exact assertion per step;
4. a plain HiGHS encoding (highspy): per unit one LP row per step (strict rows ``>= 1``
   by homogeneity), float only, nothing checked.

Run from the repository root::

    python bench/observed_states.py                  # T = 10**5 side by side
    python bench/observed_states.py --steps 1000000 --only tool-solve
    python bench/observed_states.py --steps 1000000 --only command --repeats 5
    python bench/observed_states.py --steps 2000 --repeats 1   # a smoke run

Timings are medians over ``--repeats`` runs (this machine is small and shared).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

D, K = 4, 4


def plant(steps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    W, U, b = rng.integers(-3, 4, (K, D)), rng.integers(-3, 4, (K, K)), rng.integers(-3, 4, K)
    X = rng.normal(size=(steps, D))
    S = np.empty((steps, K), dtype=np.int8)
    s = np.zeros(K)
    drive = X @ W.T + b  # the input part of z, for every step at once
    for t in range(steps):
        s = (drive[t] + U @ s > 0).astype(float)  # exact: no float z lands within 1e-9 of 0
        S[t] = s
    return X, S


def write_spec(folder: Path, X: np.ndarray, S: np.ndarray) -> Path:
    np.save(folder / "x.npy", X)
    np.save(folder / "y.npy", S)
    spec = folder / "observed.yaml"
    spec.write_text("model: threshold-rnn\nname: planted observed network\n"
                    f"inputs: {D}\nunits: {K}\nstep: strict\ns0: 0\nsequences:\n"
                    "  - input: {file: x.npy}\n    output: {file: y.npy}\n")
    return spec


def tool_cli(spec: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "verify", "check", "--solver", "lp",
                           "--format", "json", str(spec)], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    took = time.perf_counter() - start
    out = json.loads(proc.stdout)
    assert out["status"] == "realizable" and out["checked"], proc.stdout[:500]
    return took


def tool_parts(spec: Path, trusted_check: bool = True) -> tuple[float, float]:
    from verify.models.threshold.network_load import load_network_path
    from verify.models.threshold.observed import solve_observed
    from verify.trusted import network as trusted

    loaded = load_network_path(str(spec))
    start = time.perf_counter()
    result = solve_observed(loaded, "lp")
    solved = time.perf_counter() - start
    assert result.status == "realizable"
    if not trusted_check:
        return solved, float("nan")
    start = time.perf_counter()
    trusted.check_witness(loaded, K, result.network, result.s0)
    return solved, time.perf_counter() - start


def _rows(X: np.ndarray, S: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    prev = np.vstack([np.zeros((1, K)), S[:-1]])
    sign = 2.0 * S[:, i] - 1
    return np.hstack([X, prev, np.ones((len(X), 1))]) * sign[:, None], S[:, i] == 1


def z3_plain(X: np.ndarray, S: np.ndarray, timeout: float) -> float | None:
    import z3

    start = time.perf_counter()
    for i in range(K):
        theta = [z3.Real(f"t{j}") for j in range(D + K + 1)]
        solver = z3.Solver()
        solver.set("timeout", int(1000 * max(1.0, timeout - (time.perf_counter() - start))))
        rows, strict = _rows(X, S, i)
        for row, st in zip(rows, strict):
            lhs = z3.Sum([z3.RealVal(str(Fraction(float(a)))) * v for a, v in zip(row, theta)])
            solver.add(lhs > 0 if st else lhs >= 0)
        if solver.check() != z3.sat:
            return None  # a timeout (the planted network fits)
    return time.perf_counter() - start


def highs_plain(X: np.ndarray, S: np.ndarray) -> float:
    import highspy

    start = time.perf_counter()
    for i in range(K):
        rows, strict = _rows(X, S, i)
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        n = rows.shape[1]
        inf = highspy.kHighsInf
        for _ in range(n):
            h.addVar(-inf, inf)
        lower = np.where(strict, 1.0, 0.0)
        a = rows.astype(np.float64)
        starts = np.arange(0, a.size, n, dtype=np.int32)
        index = np.tile(np.arange(n, dtype=np.int32), len(a))
        h.addRows(len(a), lower, np.full(len(a), inf), a.size, starts, index, a.ravel())
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return time.perf_counter() - start


def median(fn: Callable[[], float | None], repeats: int) -> float | None:
    runs = [fn() for _ in range(repeats)]
    return None if any(r is None for r in runs) else statistics.median(runs)  # type: ignore[type-var]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--z3-timeout", type=float, default=600.0)
    p.add_argument("--only", choices=("tool-solve", "command", "all"), default="all",
                   help="tool-solve: the untrusted solve in process; command: the tool "
                        "end to end as a command (with the solve in process as the base)")
    args = p.parse_args(argv)
    X, S = plant(args.steps)
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_spec(Path(tmp), X, S)
        results: dict[str, float | None] = {}
        parts = [tool_parts(spec, args.only == "all") for _ in range(args.repeats)]
        results["tool: untrusted solve (in process)"] = statistics.median(p[0] for p in parts)
        if args.only == "all":
            results["tool: trusted witness check (in process)"] = statistics.median(
                p[1] for p in parts)
            results["tool end to end (command)"] = median(lambda: tool_cli(spec), args.repeats)
            results["plain HiGHS, one row per step"] = median(lambda: highs_plain(X, S),
                                                              args.repeats)
            results["plain Z3, one assertion per step"] = median(
                lambda: z3_plain(X, S, args.z3_timeout), 1)
        elif args.only == "command":
            results["tool end to end (command)"] = median(lambda: tool_cli(spec), args.repeats)
    base = results["tool: untrusted solve (in process)"]
    print(f"observed states, d = {D}, k = {K}, T = {args.steps}, median of {args.repeats}")
    print("| method | seconds | ratio to the tool's solve |")
    print("|---|---|---|")
    for name, secs in results.items():
        shown = f"{secs:.2f}" if secs is not None else f"> {args.z3_timeout:.0f} (timeout)"
        ratio = f"{secs / base:.1f}×" if secs is not None and base else "—"
        print(f"| {name} | {shown} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
