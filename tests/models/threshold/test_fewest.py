"""Fewest units: the count found fits (re-simulated) and every count below is refuted,
as the trusted check_fewest demands."""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

from network_helpers import make_spec

from verify.models.threshold.fewest import fewest_units
from verify.models.threshold.network import Domain
from verify.trusted.network import check_fewest


def all_strings(n: int, f) -> list[tuple[str, str]]:
    xs = ["".join(p) for m in range(1, n + 1) for p in itertools.product("01", repeat=m)]
    return [(x, "".join(str(f(x[:t + 1])) for t in range(len(x)))) for x in xs]


def test_running_parity_needs_two_units() -> None:
    spec = make_spec(all_strings(3, lambda p: p.count("1") % 2), readout=1, units=4,
                     min_units=1)
    r = fewest_units(spec, deadline=time.monotonic() + 60)
    assert (r.status, r.units, sorted(r.refutations), r.monotone) == ("found", 2, [1], True)
    check_fewest(spec, r.units, r.network, r.s0, r.refutations)


def test_without_a_dead_unit_every_smaller_count_is_refuted() -> None:
    # weights in [1, 2]: no zero weight, so not monotone; the XOR of the last two inputs
    spec = make_spec(all_strings(3, lambda p: int(p[-1]) ^ int(p[-2]) if len(p) > 1
                                 else int(p)), readout=1, units=2, min_units=1,
                     weights=Domain(Fraction(-2), Fraction(-1)))
    r = fewest_units(spec, deadline=time.monotonic() + 60)
    assert not r.monotone
    assert r.status == "none" and sorted(r.refutations) == [1, 2]


def test_unknown_says_how_far_it_got() -> None:
    spec = make_spec(all_strings(2, lambda p: p.count("1") % 2), readout=1, units=2,
                     min_units=1)
    r = fewest_units(spec, deadline=time.monotonic() - 1)
    assert r.status == "unknown" and r.reason.startswith("1 units: time ran out")
