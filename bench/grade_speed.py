"""Benchmark: grading a synthetic class with ``verify grade`` against one spec file per
answer checked by ``verify check`` (today's way), in the same run.

The class: N students (default 1,000) x 3 questions: a witness question (seed Q1(a)), an
argument question (seed Q1(b), credit split verdict/argument) and an LSTM formula question
with two targets (dx, dh_prev). Answers are drawn (seeded) from a realistic mix: about 60%
right, written in several equivalent ways (scaled weights, reordered and rescaled
inequalities, spacing and parentheses), and the usual mistakes (the seed's worked answers,
a wrong conclusion, an inequality no step requires, a missing transpose, a missing gate, a
flipped sign).

Timed as commands (interpreter start-up included), wall clock, medians of --repeat runs:
``verify grade --jobs 1``, ``--jobs 2`` and ``--executor dask --jobs 2`` (LocalCluster
start-up included), all with --no-cache; the baseline ``verify check`` on one spec per
answer is timed on a sample of students (--baseline-sample) and extrapolated linearly to
the class, because the full baseline takes tens of minutes.

Run: python bench/grade_speed.py [--students 1000] [--repeat 3] [--baseline-sample 20]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
SEED = ROOT / "specs" / "seed"
CELL = ROOT / "examples" / "grading" / "specs" / "cell.yaml"

GATES = ("i", "f", "o", "c")
DX = " + ".join(f"W_{g}.T @ d_{g}" for g in GATES)
DH = " + ".join(f"U_{g}.T @ d_{g}" for g in GATES)
RIGHT_WITNESS = [(1, 1, 0), (2, 2, 0), (3, 3, 0), (1, 2, 0), (2, 3, 0), ("1/2", "1/2", 0)]
WRONG_WITNESS = [(1, 2, -1), (1, 1, -1), (0, 1, 0), (2, 1, -1), (1, 0, 0)]
RIGHT_BECAUSE = [["b > 0", "-b >= 0"], ["-b >= 0", "b > 0"], ["2*b > 0", "b <= 0"],
                 ["b > 0", "-3*b >= 0"]]
WRONG_BECAUSE = [["w1 + w2 + b <= 0", "w1 + b > 0"], ["w1 > 0", "b <= 0"],
                 ["b > 0", "b < 0"], ["w1 + b > 0", "-w1 - b >= 0"]]
RIGHT_DX = [DX, DX.replace(" ", ""), " + ".join(f"(W_{g}.T @ d_{g})" for g in GATES),
            " + ".join(f"W_{g}.T @ d_{g}" for g in reversed(GATES))]
WRONG_DX = [DX.replace(".T", ""), " + ".join(f"W_{g}.T @ d_{g}" for g in GATES[:3]),
            "-(" + DX + ")", DX.replace("W_", "U_")]
RIGHT_DH = [DH, DH.replace(" ", ""), " + ".join(f"U_{g}.T @ d_{g}" for g in reversed(GATES))]
WRONG_DH = [DH.replace(".T", ""), DH.replace("d_o", "dh"), " + ".join(
    f"U_{g}.T @ d_{g}" for g in GATES[1:])]

ASSIGNMENT = f"""name: synthetic class
feedback: category
questions:
  q1:
    points: 4
    spec: {SEED / 'q1a.yaml'}
    expect: witness
  q2:
    points: 6
    spec: {SEED / 'q1b.yaml'}
    expect: argument
    credit: {{verdict: 2, argument: 4}}
  q3:
    points: 10
    spec: {CELL}
    expect: formulas
    targets: {{dx: 5, dh_prev: 5}}
"""


def _pick(rng: random.Random, right: list, wrong: list, p_right: float = 0.6):
    return rng.choice(right) if rng.random() < p_right else rng.choice(wrong)


def make_class(folder: Path, students: int, seed: int = 280,
               unique: bool = False) -> list[dict]:
    """``unique``: every student's formulas differ (a harmless ``+ 0*k`` term), so nothing
    is shared and judging, not the parent, dominates: the case for more --jobs."""
    rng = random.Random(seed)
    (folder / "assignment.yaml").write_text(ASSIGNMENT)
    answers = []
    for k in range(students):
        w = _pick(rng, RIGHT_WITNESS, WRONG_WITNESS)
        q2 = ({"realizable": "true"} if rng.random() < 0.1 else
              {"realizable": "false", "because": _pick(rng, RIGHT_BECAUSE, WRONG_BECAUSE)})
        a = {"w": w, "q2": q2, "dx": _pick(rng, RIGHT_DX, WRONG_DX),
             "dh": _pick(rng, RIGHT_DH, WRONG_DH)}
        if unique:
            a["dx"] += f" + 0*{k + 1}*x"
            a["dh"] += f" + 0*{k + 1}*h_prev"
        answers.append(a)
        student = folder / "class" / f"s{k:04d}"
        student.mkdir(parents=True)
        because = ", ".join(f'"{q}"' for q in q2.get("because", []))
        q2_text = ("{realizable: true}" if q2["realizable"] == "true"
                   else f"{{realizable: false, because: [{because}]}}")
        (student / "answers.yaml").write_text(
            f'q1: {{witness: {{w1: "{w[0]}", w2: "{w[1]}", b: "{w[2]}"}}}}\n'
            f"q2: {q2_text}\nq3:\n  dx: {a['dx']}\n  dh_prev: {a['dh']}\n")
    return answers


def make_baseline(folder: Path, answers: list[dict]) -> None:
    """Today's way: one spec per answer, the question copied in, one claim per file."""
    q1a = (SEED / "q1a.yaml").read_text()
    q1b = (SEED / "q1b.yaml").read_text()
    cell = CELL.read_text()
    for k, a in enumerate(answers):
        w = a["w"]
        (folder / f"s{k:04d}_q1.yaml").write_text(
            q1a + f'claim: {{witness: {{w1: "{w[0]}", w2: "{w[1]}", b: "{w[2]}"}}}}\n')
        q2 = a["q2"]
        because = ", ".join(f'"{q}"' for q in q2.get("because", []))
        claim = ("{realizable: true}" if q2["realizable"] == "true"
                 else f"{{realizable: false, because: [{because}]}}")
        (folder / f"s{k:04d}_q2.yaml").write_text(q1b + f"claim: {claim}\n")
        (folder / f"s{k:04d}_q3.yaml").write_text(
            cell + f"claim:\n  dx: {a['dx']}\n  dh_prev: {a['dh']}\n")


def pool_check(parts: int = 6, seconds: float = 1.0) -> dict[int, float]:
    """How much parallelism this machine gives right now: ``parts`` judges that each burn
    ``seconds`` of CPU, through the grading pool with --jobs 1 and 2 (no verify work, so
    only the machine and the pool show)."""
    import pickle
    from fractions import Fraction

    from grade_busy import BusyQuestion

    from verify.grading import executors
    from verify.grading.question import Part, QuestionConfig
    config = QuestionConfig("q", Fraction(1), "verdict", (("verdict", Fraction(1)),))
    blob = pickle.dumps({"q": BusyQuestion(config, seconds)})
    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent),
                                                os.environ.get("PYTHONPATH", "")])
    out = {}
    for jobs in (1, 2):
        tasks = [executors.Task(i, "q", Part(str(i), i)) for i in range(parts)]
        start = time.perf_counter()
        executors.run_local(blob, tasks, jobs, None, lambda i, r: None)
        out[jobs] = time.perf_counter() - start
    return out


def timed(cmd: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-sample", type=int, default=20)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--unique", type=int, default=0, metavar="N",
                    help="also time jobs 1 vs 2 on N students whose formulas are all "
                         "different (judging-bound)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        answers = make_class(tmp, args.students)
        base = tmp / "baseline"
        base.mkdir()
        make_baseline(base, answers[:args.baseline_sample])
        grade = [sys.executable, "-m", "verify", "grade", str(tmp / "assignment.yaml"),
                 str(tmp / "class"), "--no-cache", "--quiet", "--format", "csv"]
        runs: dict[str, list[float]] = {"jobs 1": [], "jobs 2": [], "dask jobs 2": [],
                                        "baseline sample": []}
        for _ in range(args.repeat):  # interleaved, so machine load hits all alike
            runs["jobs 2"].append(timed(grade + ["--jobs", "2"]))
            runs["jobs 1"].append(timed(grade + ["--jobs", "1"]))
            if not args.no_dask:
                runs["dask jobs 2"].append(timed(grade + ["--jobs", "2", "--executor",
                                                          "dask"]))
        runs["baseline sample"].append(timed([sys.executable, "-m", "verify", "check",
                                              str(base)]))
        answers_n = args.students * 3
        med = {k: statistics.median(v) for k, v in runs.items() if v}
        per_answer_check = med["baseline sample"] / (args.baseline_sample * 3)
        baseline = per_answer_check * answers_n
        print(f"class: {args.students} students x 3 questions = {answers_n} answers "
              f"(medians of {args.repeat} runs, wall clock, commands)")
        for k in ("jobs 1", "jobs 2", "dask jobs 2"):
            if k in med:
                print(f"  verify grade {k:<12} {med[k]:8.1f} s   "
                      f"({1000 * med[k] / answers_n:.1f} ms per answer)   runs: "
                      + ", ".join(f"{t:.1f}" for t in runs[k]))
        print(f"  verify check, one spec per answer: {per_answer_check * 1000:.0f} ms per "
              f"answer on a sample of {args.baseline_sample * 3} specs "
              f"({med['baseline sample']:.1f} s), extrapolated to the class: {baseline:.0f} s")
        print(f"  speed-up of grade --jobs 2 over the baseline: {baseline / med['jobs 2']:.0f}x")
        print(f"  scaling jobs 1 -> 2: {med['jobs 1'] / med['jobs 2']:.2f}x")
        if "dask jobs 2" in med:
            extra = med["dask jobs 2"] - med["jobs 2"]
            print(f"  Dask LocalCluster overhead: {extra:.1f} s in all, "
                  f"{1000 * extra / answers_n:.1f} ms per answer")
        print(f"  target (< 30 s with --jobs 2): {'met' if med['jobs 2'] < 30 else 'NOT met'}")
        busy = pool_check()
        print(f"  the machine now: 6 parts of 1 s CPU each through the pool: jobs 1 "
              f"{busy[1]:.1f} s, jobs 2 {busy[2]:.1f} s ({busy[1] / busy[2]:.2f}x; 2.0x on "
              f"two free cores)")
        if args.unique:
            uniq = tmp / "unique"
            uniq.mkdir()
            make_class(uniq, args.unique, unique=True)
            cmd = [sys.executable, "-m", "verify", "grade", str(uniq / "assignment.yaml"),
                   str(uniq / "class"), "--no-cache", "--quiet", "--format", "csv"]
            u1, u2 = [], []
            for _ in range(args.repeat):
                u2.append(timed(cmd + ["--jobs", "2"]))
                u1.append(timed(cmd + ["--jobs", "1"]))
            m1, m2 = statistics.median(u1), statistics.median(u2)
            print(f"  {args.unique} students with all-different formulas "
                  f"({2 * args.unique} formula parts): jobs 1 {m1:.1f} s, jobs 2 {m2:.1f} s, "
                  f"scaling {m1 / m2:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
