"""Benchmark: judging one LSTM gradient formula, prepared instance set vs one spec per answer.

New way (this checkout): ``prepare(layout, options)`` once per question (hypothesis draws the
grid instances, continuous and 50-digit instances are computed), then
``judge_formula(prepared, target, text)`` per answer: a batched float64 screen, the
50-digit confirmation, and shrinking only when it fails.

Baseline, in the same run: the checker as it was on ``main`` before (``--baseline-root``,
default /work/main), one ``model: lstm-cell`` spec per answer through ``check_spec``, which
draws and judges its instances one at a time; timed inside a child process whose
``sys.path`` starts at that checkout.

Answers: the correct cell's formulas and common wrong ones. Medians in ms per answer,
correct and incorrect answers apart (an incorrect one is shrunk to a small counterexample).

Usage: python bench/formula_speed.py [--repeats 3] [--baseline-root /work/main]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DCF = "(dc + dh * o * (1 - tanh(c)**2))"
DZ = {"i": f"{DCF} * cbar * i * (1 - i)", "f": f"{DCF} * c_prev * f * (1 - f)",
      "o": "dh * tanh(c) * o * (1 - o)", "c": f"{DCF} * i * (1 - cbar**2)"}
ANSWERS: list[tuple[str, str, bool]] = [
    ("dc_total", DCF, True), ("dc_prev", f"{DCF} * f", True), ("dz_f", DZ["f"], True),
    ("dx", " + ".join(f"W_{g}.T @ ({DZ[g]})" for g in "ifoc"), True),
    ("dh_prev", " + ".join(f"U_{g}.T @ ({DZ[g]})" for g in "ifoc"), True),
    ("dW_f", f"outer({DZ['f']}, x)", True), ("db_o", DZ["o"], True),
    ("dc_prev", "dc * f", False), ("dz_f", f"{DCF} * c_prev", False),
    ("dx", " + ".join(f"W_{g} @ ({DZ[g]})" for g in "ifoc"), False),
    ("dW_f", f"outer(x, {DZ['f']})", False), ("db_o", f"-({DZ['o']})", False),
    ("do", "dh * tanh(c) * (1 + 1e-9)", False),
]

CHILD = r"""
import json, statistics, sys, time
from verify.models.lstm.formula import check_spec
from verify.input.yamldoc import parse_text
from verify.outcome import Options
answers, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
out = []
for target, text, _ in answers:
    spec = f"model: lstm-cell\nclaim:\n  {target}: {text}\n"
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        check_spec(parse_text(spec, "bench.yaml"), Options())
        times.append(time.perf_counter() - start)
    out.append(statistics.median(times))
print(json.dumps(out))
"""


def baseline(root: Path, repeats: int) -> list[float]:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(ANSWERS), str(repeats)],
                          cwd=root, capture_output=True, text=True, check=True)
    result: list[float] = json.loads(done.stdout.splitlines()[-1])
    return result


def new_way(repeats: int) -> tuple[float, list[float], list[float], list[str]]:
    sys.path.insert(0, str(ROOT))
    from verify.models.lstm.batch import prepare
    from verify.models.lstm.formula import judge_formula
    from verify.models.lstm.layouts import COLUMN
    from verify.outcome import Options

    start = time.perf_counter()
    prepared = prepare(COLUMN, Options())
    prep = time.perf_counter() - start
    medians: list[float] = []
    greedy: list[float] = []
    verdicts: list[str] = []
    for target, text, _ in ANSWERS:
        for mode, out in (("hypothesis", medians), ("greedy", greedy)):
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                verdict = judge_formula(prepared, target, text, shrink=mode)
                times.append(time.perf_counter() - start)
            out.append(statistics.median(times))
            verdicts.append(verdict.verdict)
    return prep, medians, greedy, verdicts[::2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-root", type=Path, default=Path("/work/main"))
    args = parser.parse_args()
    prep, new, greedy, verdicts = new_way(args.repeats)
    for (target, _, expected), verdict in zip(ANSWERS, verdicts):
        want = "correct" if expected else "incorrect"
        assert verdict == want, f"{target}: judged {verdict}, expected {want}"
    old = baseline(args.baseline_root, args.repeats)
    print(f"prepare (once per question): {prep * 1000:.0f} ms")
    print(f"{'target':<9} {'answer':<8} {'new ms':>9} {'greedy ms':>10} {'baseline ms':>12}")
    for (target, _, ok), n, g, o in zip(ANSWERS, new, greedy, old):
        print(f"{target:<9} {'right' if ok else 'wrong':<8} {n * 1000:9.1f} {g * 1000:10.1f} "
              f"{o * 1000:12.1f}")
    for label, pick in (("right answers", True), ("wrong answers", False)):
        n = statistics.median(t for t, a in zip(new, ANSWERS) if a[2] is pick)
        g = statistics.median(t for t, a in zip(greedy, ANSWERS) if a[2] is pick)
        o = statistics.median(t for t, a in zip(old, ANSWERS) if a[2] is pick)
        print(f"median per target, {label}: new {n * 1000:.1f} ms (greedy shrink "
              f"{g * 1000:.1f} ms), baseline {o * 1000:.0f} ms, ratio {o / n:.0f}x")
    print(f"median per target, all: new {statistics.median(new) * 1000:.1f} ms, baseline "
          f"{statistics.median(old) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
