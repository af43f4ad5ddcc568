"""Benchmarks for "For every input string" (issue 12). Run from the repository root:

    python bench/behaviour.py judge            # judging claimed networks, growth with the product
    python bench/behaviour.py design           # fewest units with proofs, vs random example sets
    python bench/behaviour.py judge --quick    # a smoke run

judge: a claimed network of k = 16 units (a shift register of L units holding the last L
inputs, 16 - L units computing threshold functions of it, a readout that outputs x_t)
against a random Mealy machine of n states whose outputs are the input read (so the
network is right and the whole reachable product is explored), and a variant with one
output flipped in one state (wrong: exploration stops at the shortest failing string).
Reachable pairs grow like 2^L * n. Times are CPU time of the process (this machine is shared;
wall time mostly measures waiting for a core). Side by side in the same run: the obvious exact
implementation (breadth-first, one transition at a time, Fractions, a dict of pairs).

design: the fewest-unit network with proofs of minimality for running parity, binary
addition with a readout, a two-step delay and "the two streams have been equal so far"
(specs/behaviour/), then, at k* and k* - 1, the core search on a fixed set of random
strings of the same total length as the counterexample loop's final set: how often is that
set enough (its network right on every string at k*; a refutation at k* - 1)?
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verify.input.yamldoc import parse_text
from verify.models.threshold import design
from verify.models.threshold.behaviour import load_behaviour
from verify.models.threshold.network import Domain, Network, Shape, StepKind, ThresholdSpec
from verify.models.threshold.network_load import load_network_path
from verify.models.threshold.search import proof_size, search
from verify.trusted import product

F = Fraction
K = 16


# -- judge -----------------------------------------------------------------------------------

def judge_case(L: int, n: int, wrong: bool, seed: int) -> tuple[ThresholdSpec, Network]:
    rng = random.Random(seed)
    W = [[F(2)]] + [[F(0)] for _ in range(K - 1)]
    U = [[F(0)] * K for _ in range(K)]
    b = [F(-1)] * L
    for i in range(1, L):
        U[i][i - 1] = F(2)                      # unit i holds x_(t-i)
    for j in range(L, K):                       # a threshold function of the shift register
        for i in range(L):
            U[j][i] = F(rng.randint(-3, 3))
        b.append(F(rng.randint(-3, 3)) + F(1, 2))
    net = Network(tuple(map(tuple, W)), tuple(map(tuple, U)), tuple(b),
                  ((F(1),) + (F(0),) * (K - 1),), (F(-1, 2),))
    delta = [[rng.randrange(n) for _ in range(2)] for _ in range(n)]
    out = [["0", "1"] for _ in range(n)]
    if wrong:  # flip an output of a state reached by a random walk (so it is reachable)
        q = 0
        for _ in range(3 * L):
            q = delta[q][rng.randrange(2)]
        out[q][1] = "0"
    rows = "\n".join(f'      q{q}: {{"0": [q{delta[q][0]}, "{out[q][0]}"], '
                     f'"1": [q{delta[q][1]}, "{out[q][1]}"]}}' for q in range(n))
    text = f'behaviour:\n  alphabet: ["0", "1"]\n  machine:\n    start: q0\n    states:\n{rows}\n'
    node = dict(parse_text(text, "bench.yaml").items())["behaviour"]
    shape = Shape(1, K, 1, ())
    beh = load_behaviour(node, shape, s0=(0,) * K)
    spec = ThresholdSpec("bench.yaml", None, StepKind.STRICT, shape, K, Domain(), Domain(), {},
                         (), None, beh)
    return spec, net


def naive_explore(spec: ThresholdSpec, net: Network, s0: tuple[int, ...]) -> int | None:
    """The obvious exact exploration: one transition at a time, in Fractions. Returns the
    number of pairs when right, None when some string fails."""
    mach, alphabet = spec.behaviour.machine, spec.behaviour.alphabet
    start = (s0, mach.start)
    seen, frontier = {start}, [start]
    while frontier:
        new = []
        for s, q in frontier:
            for a, x in enumerate(alphabet):
                z = [sum((w * v for w, v in zip(net.W[i], x)), F(0))
                     + sum((u * v for u, v in zip(net.U[i], s)), F(0)) + net.b[i]
                     for i in range(len(net.W))]
                s2 = tuple(int(v > 0) for v in z)
                y = int(sum((v * si for v, si in zip(net.V[0], s2)), F(0)) + net.c[0] > 0)
                if mach.out[q][a][0] not in (y, -1):
                    return None
                pair = (s2, mach.delta[q][a])
                if pair not in seen:
                    seen.add(pair)
                    new.append(pair)
        frontier = new
    return len(seen)


def median_time(fn, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median CPU time of the process (the machine is shared: wall time mostly measures
    waiting for a core) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.process_time()
        result = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), result


def run_judge(quick: bool) -> list[dict[str, object]]:
    sizes = [(4, 100), (6, 100), (6, 1000)] if quick else [
        (4, 100), (6, 100), (8, 100), (6, 1000), (8, 1000), (9, 1000), (10, 1000),
        (12, 1000), (12, 1), (14, 1), (16, 1), (16, 2)]
    rows, naive_ok = [], True
    print("| L | machine states | claim | pairs | tool CPU ms | naive CPU ms | naive / tool |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for L, n in sizes:
        for wrong in (False, True):
            spec, net = judge_case(L, n, wrong, seed=L * 1000 + n)
            s0 = (0,) * K
            t_tool, res = median_time(lambda: product.explore(spec, net, s0), 3)  # noqa: B023
            assert isinstance(res, product.Exploration) and res.equivalent == (not wrong)
            t_naive = None
            if naive_ok:
                t_naive, pairs = median_time(lambda: naive_explore(spec, net, s0), 1)  # noqa: B023
                assert (pairs is None) == wrong and (wrong or pairs == res.pairs)
                naive_ok = t_naive < 30
            row = {"L": L, "n": n, "wrong": wrong, "pairs": res.pairs,
                   "tool_ms": round(1000 * t_tool, 1),
                   "naive_ms": None if t_naive is None else round(1000 * t_naive, 1)}
            rows.append(row)
            ratio = f"{t_naive / t_tool:.0f}×" if t_naive else "-"
            naive = f"{1000 * t_naive:,.0f}" if t_naive else "skipped"
            print(f"| {L} | {n} | {'wrong' if wrong else 'right'} | {res.pairs:,} | "
                  f"{1000 * t_tool:,.1f} | {naive} | {ratio} |", flush=True)
    return rows


# -- design ----------------------------------------------------------------------------------

DESIGN_SPECS = ["parity.yaml", "addition.yaml", "delay.yaml", "equal_so_far.yaml"]


def random_strings(rng: random.Random, na: int, total: int, count: int) -> list[tuple[int, ...]]:
    """``count`` strings of random lengths (>= 1) summing to ``total``, random symbols."""
    cuts = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
    lengths = [b - a for a, b in zip([0] + cuts, cuts + [total])]
    return [tuple(rng.randrange(na) for _ in range(n)) for n in lengths]


def random_sets(spec: ThresholdSpec, best: design.Attempt, below: design.Attempt | None,
                trials: int, scale: int, limit: float) -> dict[str, object]:
    """The core search on random string sets: as many strings as the loop's final set,
    ``scale`` times its total length. Enough = its k*-unit network is right on every
    string; refutes = no (k*-1)-unit network fits it."""
    table = product.machine_table(spec)
    rng = random.Random(12 + scale)
    total, count = scale * sum(map(len, best.strings)), len(best.strings)
    enough = refutes = unknown = 0
    times = []
    for _ in range(trials):
        strings = random_strings(rng, len(spec.behaviour.alphabet), total, count)
        t0 = time.process_time()
        res = search(design.finite_spec(spec, best.units, strings, table), best.units,
                     deadline=time.monotonic() + limit)
        unknown += res.status == "unknown"
        if res.status == "realizable":
            ex = product.explore(design.spec_at(spec, best.units), res.network,
                                 tuple(spec.behaviour.s0[:best.units]), table)
            enough += ex.equivalent
        if below is not None:
            low = search(design.finite_spec(spec, below.units, strings, table), below.units,
                         deadline=time.monotonic() + limit)
            refutes += low.status == "unrealizable"
            unknown += low.status == "unknown"
        times.append(time.process_time() - t0)
    return {"scale": scale, "enough": enough, "refutes": refutes, "unknown": unknown,
            "trials": trials,
            "median_s": round(statistics.median(times), 2)}


def run_design(trials: int, scales: list[int], limit: float) -> list[dict[str, object]]:
    rows = []
    print("| behaviour | k* | wall s (CPU s) | searches (per k) | strings / total length at k* | "
          "proof of k*-1: nodes / leaves | " + " | ".join(
              f"random, {s}× length: enough at k* / refutes k*-1 / timeouts / median CPU s"
              for s in scales)
          + " |")
    print("|---|---:|---:|---|---|---|" + "---:|" * len(scales))
    for name in DESIGN_SPECS:
        spec = load_network_path(f"specs/behaviour/{name}")
        t, cpu = time.perf_counter(), time.process_time()
        attempts = design.fewest(spec, deadline=None)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        best, below = attempts[-1], attempts[-2] if len(attempts) > 1 else None
        assert best.status == "realizable"
        size = proof_size(below.certificate["refutation"]["proof"]) if below else None
        randoms = [random_sets(spec, best, below, trials, s, limit) for s in scales]
        rows.append({"spec": name, "fewest": best.units, "seconds": round(seconds, 2),
                     "cpu_seconds": round(cpu, 2),
                     "searches": [a.rounds for a in attempts], "strings": len(best.strings),
                     "total_length": sum(map(len, best.strings)), "proof": size,
                     "random": randoms})
        proof = f"{size['nodes']} / {size['leaves']}" if size else "-"
        cells = " | ".join(f"{r['enough']}/{trials} / {r['refutes']}/{trials} / "
                           f"{r['unknown']} / {r['median_s']}" for r in randoms)
        print(f"| {spec.name} | {best.units} | {seconds:.1f} ({cpu:.1f}) | {rows[-1]['searches']} | "
              f"{len(best.strings)} / {rows[-1]['total_length']} | {proof} | {cells} |",
              flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["judge", "design"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--limit", type=float, default=20.0,
                        help="seconds per search on a random set (then: a timeout)")
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = run_judge(args.quick) if args.part == "judge" else run_design(
        3 if args.quick else args.trials, args.scales, args.limit)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
