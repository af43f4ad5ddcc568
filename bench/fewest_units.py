"""Benchmark: the fewest units, with proof (issue 11).

Four behaviours, each given as every binary string of length 1..n (n = 4: 30 sequences,
98 steps) with its outputs, s0 = 0, nonstrict steps, one readout unit, units {min: 1,
max: 4}: running parity, a delay of two steps (y_t = x_(t-2), 0 before), the XOR of the
last two inputs (x_1 alone at t = 1) and "the count of ones so far is 0 mod 3". For each:
the fewest k, the wall time of the search, of the trusted ``check_fewest`` (witness plus
every refutation it needs), and the size of each refutation (nodes, leaves, depth).

    python bench/fewest_units.py [--n 4]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.network_helpers import make_spec
from verify.models.threshold.fewest import fewest_units
from verify.trusted.network import check_fewest

TASKS: dict[str, Callable[[str], int]] = {
    "running parity": lambda p: p.count("1") % 2,
    "delay of two steps": lambda p: int(p[-3]) if len(p) >= 3 else 0,
    "XOR of the last two inputs": lambda p: int(p[-1]) ^ int(p[-2]) if len(p) >= 2 else int(p),
    "count of ones = 0 mod 3": lambda p: int(p.count("1") % 3 == 0),
}


def sequences(n: int, f: Callable[[str], int]) -> list[tuple[str, str]]:
    xs = ["".join(p) for m in range(1, n + 1) for p in itertools.product("01", repeat=m)]
    return [(x, "".join(str(f(x[:t + 1])) for t in range(len(x)))) for x in xs]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4)
    args = ap.parse_args()
    failed = False
    for name, f in TASKS.items():
        spec = make_spec(sequences(args.n, f), units=4, readout=1, min_units=1)
        start = time.perf_counter()
        r = fewest_units(spec, deadline=time.monotonic() + 120)
        found = time.perf_counter() - start
        if r.status != "found":
            print(f"{name}: {r.status} after {found:.1f} s: {r.reason}")
            failed = True
            continue
        start = time.perf_counter()
        check_fewest(spec, r.units, r.network, r.s0, r.refutations)
        checked = time.perf_counter() - start
        sizes = ", ".join(f"k={k}: {c['size']['nodes']} nodes / {c['size']['leaves']} leaves"
                          f" / depth {c['size']['depth']}" for k, c in r.refutations.items())
        total = found + checked
        failed |= total >= 30
        print(f"{name}: fewest {r.units} units; search {found:.2f} s, check {checked:.2f} s"
              f" ({'<' if total < 30 else '>='} 30 s); refutations {sizes}", flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
