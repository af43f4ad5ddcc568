"""The search's z3 path (a DPLL probe of 0 nodes sends every spec to z3 first).

z3's network is returned as it is, each unit without bound rows scaled to coprime
integers; every answer must still pass the trusted checker, and the weight domain,
fixed entries and free s0 must hold.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from network_helpers import checked, make_spec, planted

from verify.models.threshold import search as search_module
from verify.models.threshold.network import Domain


def via_z3(spec, units: int):
    r = checked(spec, units, probe_nodes=0)
    assert "a DPLL probe of 0 nodes" in r.stats["tried"]
    return r


def coprime_integers(values) -> bool:
    return all(v.denominator == 1 for v in values) and math.gcd(
        *(int(v) for v in values)) == 1


@settings(max_examples=8)
@given(st.integers(2, 3), st.integers(0, 10**6), st.sampled_from(["strict", "nonstrict"]))
def test_planted_networks_are_found_by_z3_with_integer_units(k: int, seed: int,
                                                             step: str) -> None:
    spec = planted(k, [25, 15], random.Random(seed), step)
    r = via_z3(spec, k)
    assert r.status == "realizable"
    assert any(t.startswith("z3 over the transition table (sat") for t in r.stats["tried"])
    net = r.network
    for i in range(k):  # real weights, no bound rows: each unit scaled to coprime integers
        unit = (*net.W[i], *net.U[i], net.b[i])
        assert not any(unit) or coprime_integers(unit)
    readout = (*net.V[0], net.c[0])
    assert not any(readout) or coprime_integers(readout)


def test_fixed_fractional_entries_are_not_scaled() -> None:
    # b = -1/2 and U = 0 fixed: "1" -> 1 needs w >= 1/2; scaling the unit to integers
    # would move b off its fixed value
    fixed = {("U", (0, 0)): Fraction(0), ("b", (0,)): Fraction(-1, 2)}
    spec = make_spec([("1", "1"), ("0", "0")], fixed=fixed)
    r = via_z3(spec, 1)
    assert r.status == "realizable" and r.network.b[0] == Fraction(-1, 2)
    assert r.network.W[0][0] >= Fraction(1, 2)


def test_box_domain_holds_on_the_z3_path() -> None:
    box = Domain(Fraction(-1, 4), Fraction(1, 4))
    # a latch: s_t = x_t or s_(t-1), observed; fits with w = U = 1/4, b = -1/4 + ...
    spec = make_spec([("0100", "0111"), ("00", "00")], weights=box)
    r = via_z3(spec, 1)
    assert r.status == "realizable"
    assert all(box.contains(v) for v in (r.network.W[0][0], r.network.U[0][0],
                                        r.network.b[0]))


def test_integer_domain_on_the_z3_path() -> None:
    spec = make_spec([("0110", "0101"), ("11", "10")], readout=1, units=2,
                     weights=Domain(integer=True))
    r = via_z3(spec, 2)
    assert r.status == "realizable"
    net = r.network
    assert all(v.denominator == 1 for row in net.W + net.U + net.V for v in row)
    assert all(v.denominator == 1 for v in net.b + net.c)


def test_free_s0_on_the_z3_path() -> None:
    # W fixed to 0: the state only carries s0 along (a negation would alternate), so
    # "11" needs s0 = 1 and "00" needs s0 = 0
    spec = make_spec([("00", "11"), ("00", "00")], s0="free",
                     fixed={("W", (0, 0)): Fraction(0)})
    r = via_z3(spec, 1)
    assert r.status == "realizable" and r.s0 == ((1,), (0,))


def test_unrealizable_on_the_z3_path_still_gets_the_dplls_proof() -> None:
    parity = [("11", "10"), ("10", "11"), ("0", "0"), ("01", "01")]
    r = via_z3(make_spec(parity, readout=1), 1)
    assert r.status == "unrealizable" and r.certificate["size"]["nodes"] == 9
    assert "z3 over the transition table (unsat)" in r.stats["tried"]


def test_large_z3_weights_are_re_solved_for_the_simplest(monkeypatch) -> None:
    # every z3 weight counts as large: the units are re-solved for the simplest weights.
    # "1" -> 0 from s0 = 0 needs w + b < 0 (z3 says w = -1, b = 0). The simplest, by
    # hand: entries in -1..1 with the fewest non-zeros, the bias first: b = -1.
    monkeypatch.setattr(search_module, "Z3_HEIGHT", 0)
    r = via_z3(make_spec([("1", "0")]), 1)
    assert (r.network.W, r.network.U, r.network.b) == (((0,),), ((0,),), (-1,))
    planted_spec = planted(3, [30], random.Random(7))
    assert via_z3(planted_spec, 3).status == "realizable"
