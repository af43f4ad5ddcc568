"""Stage: search (untrusted). Integer weights at the end of a run: branch and bound.

When the run reaches the end, each unit's rows are fixed and the units are independent.
A unit whose domain is integer and whose current weights are not is searched by branch
and bound on one weight at a time: ``p <= floor(v)`` | ``p >= floor(v) + 1`` (the
``branch`` node of verify-certificate/2), each side solved exactly, an infeasible side
closed by its Motzkin leaf (bound rows included). A system without bound rows is
homogeneous, so scaling a rational witness makes it integral and no branching is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.models.threshold.table import Bounds, Unit
from verify.trusted.network import Branch

if TYPE_CHECKING:
    from verify.models.threshold.search import Weights, _Found, _Search


def _integer(spec: Any, name: str) -> bool:
    return bool((spec.bias if name[0] in ("b", "c") else spec.weights).integer)


def _fractional(spec: Any, w: Weights) -> str | None:
    return next((p for p, v in w.items() if _integer(spec, p) and v.denominator != 1), None)


@dataclass(frozen=True)
class _Core:
    multipliers: Any
    system: Any


def finish(search: _Search, br: Branch) -> _Found | dict[str, Any]:
    """Simple exact weights in the domain for every unit of a finished run (integers by
    branch and bound where the domain says so), or a proof that some unit has none."""
    from verify.models.threshold.search import _Found, _Lazy
    weights: dict[Unit, Weights] = {}
    for unit in search.units():
        w, (us, lam) = search.solve(unit, br.table, simplest=True)
        if w is not None and _fractional(search.spec, w) is not None:
            if us.homogeneous:  # scale by the common denominator
                den = math.lcm(*(v.denominator for v in w.values()))
                w = {p: v * den for p, v in w.items()}
            else:
                w, proof = _branch_and_bound(search, br, unit, {})
                if w is None:
                    return proof
        if w is None:  # the oracle's answer did not survive the exact re-solve
            return {"motzkin": _Lazy(unit, _Core(lam, us), br.seen)}
        weights[unit] = w
    return _Found(dict(br.table), weights)


def _branch_and_bound(search: _Search, br: Branch, unit: Unit, extra: Bounds
                      ) -> tuple[Weights | None, dict[str, Any]]:
    from verify.models.threshold.search import _Lazy
    search.stats["nodes"] += 1
    w, (us, lam) = search.solve(unit, br.table, extra, simplest=True)
    if w is None:
        search.stats["leaves"] += 1
        search.stats["motzkin"] += 1
        return None, {"motzkin": _Lazy(unit, _Core(lam, us), br.seen)}
    p = _fractional(search.spec, w)
    if p is None:
        return w, {}
    v = Fraction(math.floor(w[p]))
    lo, hi = extra.get(p, (None, None))
    cases = []
    for side, bound in (("<=", (lo, v)), (">=", (v + 1, hi))):
        found, proof = _branch_and_bound(search, br, unit, {**extra, p: bound})
        if found is not None:
            return found, {}
        cases.append({"side": side, "proof": proof})
    return None, {"branch": {"weight": p, "value": str(v)}, "cases": cases}
