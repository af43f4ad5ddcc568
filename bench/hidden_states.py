"""Benchmark: hidden states with a readout, on planted problems (issue 11).

A random k-unit threshold network with one readout unit (weights: multiples of 1/4,
Gaussian) generates the outputs of random binary input strings, redrawn until the
outputs need memory (some input is answered both 0 and 1). The tool must find *some*
k-unit network that fits (``search`` + the trusted ``check_witness``, timed together).
Side by side, in the same run, the direct Z3 encoding the issue names: real weights, one
Boolean per hidden value (s_t[i]), an implication each way per unit and step
(``s_t[i] => z >= 0``, ``not s_t[i] => z < 0``, z using If(s_(t-1)[j], U[i][j], 0)),
and the readout asserted per step.

    python bench/hidden_states.py               # all targets (~10 min, Z3 dominates)
    python bench/hidden_states.py --quick       # fewer instances, Z3 capped at 20 s
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.network_helpers import planted
from verify.models.threshold.search import search
from verify.trusted.network import check_witness


def tool(spec: Any, k: int, limit: float) -> tuple[str, float, dict[str, Any]]:
    start = time.perf_counter()
    r = search(spec, k, deadline=time.monotonic() + limit)
    if r.status == "realizable":
        check_witness(spec, k, r.network, r.s0)
    return r.status, time.perf_counter() - start, r.stats


def z3_direct(spec: Any, k: int, limit: float) -> tuple[str, float]:
    import z3
    start = time.perf_counter()
    ctx = z3.Context()
    s = z3.Solver(ctx=ctx)
    s.set("timeout", int(limit * 1000))
    strict = spec.step.value == "strict"
    d = spec.shape.inputs
    W = [[z3.Real(f"W{i}_{j}", ctx) for j in range(d)] for i in range(k)]
    U = [[z3.Real(f"U{i}_{j}", ctx) for j in range(k)] for i in range(k)]
    b = [z3.Real(f"b{i}", ctx) for i in range(k)]
    V = [z3.Real(f"V{j}", ctx) for j in range(k)]
    c = z3.Real("c", ctx)
    zero = z3.RealVal(0, ctx)

    def fires(z: Any) -> Any:
        return z > 0 if strict else z >= 0
    for j, seq in enumerate(spec.sequences):
        prev = [z3.BoolVal(bool(v), ctx) for v in seq.s0]
        for t, (x, y) in enumerate(zip(seq.inputs, seq.outputs)):
            cur = [z3.Bool(f"s{j}_{t}_{i}", ctx) for i in range(k)]
            for i in range(k):
                z = z3.Sum([W[i][n] * z3.RealVal(str(x[n]), ctx) for n in range(d)]
                           + [z3.If(prev[n], U[i][n], zero) for n in range(k)] + [b[i]])
                s.add(z3.Implies(cur[i], fires(z)), z3.Implies(z3.Not(cur[i]), z3.Not(fires(z))))
            zy = z3.Sum([z3.If(cur[n], V[n], zero) for n in range(k)] + [c])
            s.add(fires(zy) if y[0] == 1 else z3.Not(fires(zy)))
            prev = cur
    result = s.check()
    return str(result), time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    args = ap.parse_args()
    n = args.seeds or (4 if args.quick else 10)
    z3_limit = 20.0 if args.quick else 120.0
    failed = False
    print("k  lengths      tool: median / max s   (all answered + checked < 5 s?)")
    for k, lengths in ((1, [100, 100, 100]), (2, [100, 100, 100]), (3, [100]),
                       (3, [100, 100, 100])):
        times = []
        for seed in range(n):
            spec = planted(k, lengths, random.Random(1000 * k + seed), needs_memory=True)
            status, sec, _ = tool(spec, k, 60)
            failed |= status != "realizable" or sec >= 5
            times.append(sec)
        print(f"{k}  {lengths!s:12} {statistics.median(times):8.3f} / {max(times):.3f}"
              f"   {'yes' if max(times) < 5 else 'NO'}", flush=True)
    for states in (0, 6):
        side_by_side(n, z3_limit, states)
    return 2 if failed else 0


def side_by_side(n: int, z3_limit: float, states: int) -> None:
    print(f"\nk = 3, T = 100, planted networks whose outputs need memory and whose runs "
          f"visit >= {states} states; side by side (seconds; Z3 capped at {z3_limit:.0f} s, "
          "a capped run counts as the cap)")
    ratios, tool_t, z3_t = [], [], []
    for seed in range(n):
        spec = planted(3, [100], random.Random(3000 + seed), needs_memory=True,
                       min_states=states)
        status, sec, stats = tool(spec, 3, 60)
        zs, zsec = z3_direct(spec, 3, z3_limit)
        tool_t.append(sec)
        z3_t.append(zsec)
        ratios.append(zsec / sec)
        print(f"seed {seed}: tool {status} {sec:.3f} s ({stats['nodes']} nodes, "
              f"{'z3 table' if len(stats.get('tried', [])) > 1 else 'DPLL'}); "
              f"z3 direct {zs} {zsec:.2f} s; ratio {zsec / sec:.1f}", flush=True)
    print(f"medians: tool {statistics.median(tool_t):.3f} s, z3 direct "
          f"{statistics.median(z3_t):.2f} s; ratio of medians "
          f"{statistics.median(z3_t) / statistics.median(tool_t):.1f}, median ratio "
          f"{statistics.median(ratios):.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
