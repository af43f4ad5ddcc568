"""Stage: claims (threshold-rnn). Judge a spec's claim with a checked proof either way.

* a witness: correct iff the trusted checker accepts it; otherwise incorrect with the
  reason in the user's terms: an entry outside the weight domain or against a ``fixed``
  entry, or the first step (first sequence, then first t) where an output differs,
  with every unit's z there (:func:`verify.trusted.network.first_difference`);
* ``realizable: true | false`` (with ``units: k``): the k-unit question answered and
  checked (a witness or a refutation);
* ``fewest_units: k``: a checked k-unit witness and checked refutations below k (k - 1
  when a dead unit is allowed, every smaller count otherwise).

Untrusted glue: every fact it states was accepted by :mod:`verify.trusted.network`.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any

from verify.models.threshold.network import Network, ThresholdSpec
from verify.models.threshold.network_load import describe_domain
from verify.models.threshold.network_pipeline import Answer, Solver
from verify.models.threshold.network_render import network_json
from verify.trusted import network as trusted
from verify.trusted.checker import CheckFailure


@dataclass(frozen=True)
class Judgement:
    verdict: str  # correct | incorrect | unknown
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def count(k: int | None) -> str:
    return f"{k} unit{'' if k == 1 else 's'}"


def judge(spec: ThresholdSpec, answer: Answer, solver: Solver) -> Judgement:
    claim = spec.claim
    assert claim is not None
    if claim.witness is not None:
        return judge_witness(spec, claim.witness, claim.witness_s0)
    if claim.fewest_units is not None:
        return _judge_fewest(spec, claim.fewest_units, solver)
    if claim.realizable is False:
        assert claim.units is not None
        return _judge_k(spec, claim.units, solver, claimed=False)
    if spec.min_units == spec.shape.units:
        return _judge_k(spec, spec.shape.units, solver, claimed=True)
    if answer.status == "unknown":
        return Judgement("unknown", f"could not decide: {answer.reason}")
    if answer.status == "realizable":
        return Judgement("correct", f"{count(answer.units)} do it (checked witness)",
                         {"units": answer.units})
    return Judgement("incorrect", f"no network with {spec.min_units} to "
                     f"{spec.shape.units} units does it (checked refutations)")


def judge_witness(spec: ThresholdSpec, net: Network,
                  s0: tuple[tuple[int, ...], ...] | None) -> Judgement:
    k = len(net.W)
    s0 = s0 if s0 is not None else _choose_s0(spec, net)
    try:
        trusted.check_witness(spec, k, net, s0)
    except CheckFailure as exc:
        bad = trusted.first_difference(spec, net, s0)
        if bad is None or not str(exc).startswith(f"sequence {bad.sequence}, t={bad.t}: "):
            # a shape, domain, fixed-entry or s0 problem comes first: the checker's words
            return Judgement("incorrect", f"the witness is not allowed: {exc} (weights: "
                             f"{describe_domain(spec.weights)}; biases: "
                             f"{describe_domain(spec.bias)})")
        o = bad.differs()[0]
        where = (f"t={bad.t}" if len(spec.sequences) == 1
                 else f"sequence {bad.sequence}, t={bad.t}")
        zs = ", ".join(f"z{i} = {z}" for i, z in enumerate(bad.z))
        return Judgement(
            "incorrect",
            f"at {where} output {o} is {bad.y[o]} but the spec says {bad.expected[o]} "
            f"({zs}; state {''.join(map(str, bad.s))})",
            {"first_difference": {"sequence": bad.sequence, "t": bad.t, "output": o,
                                  "got": bad.y[o], "expected": bad.expected[o],
                                  "z": [str(z) for z in bad.z], "s": list(bad.s)},
             "s0": [list(v) for v in s0]})
    return Judgement("correct", "the witness reproduces every output (re-simulated exactly)",
                     {"s0": [list(v) for v in s0]})


def _choose_s0(spec: ThresholdSpec, net: Network) -> tuple[tuple[int, ...], ...]:
    """Where the spec leaves s0 free, the first value (in order) that fits each sequence."""
    k = len(net.W)
    chosen = []
    for seq in spec.sequences:
        given = list(seq.s0[:k])
        free = [i for i, v in enumerate(given) if v is None]
        candidates = []
        for values in itertools.product((0, 1), repeat=len(free)):
            cand = [0 if v is None else int(v) for v in given]
            for i, v in zip(free, values):
                cand[i] = v
            candidates.append(tuple(cand))
        one = dataclasses.replace(spec, sequences=(seq,))
        chosen.append(next((c for c in candidates
                            if trusted.first_difference(one, net, (c,)) is None),
                           candidates[0]))
    return tuple(chosen)


def _judge_k(spec: ThresholdSpec, k: int, solver: Solver, *, claimed: bool) -> Judgement:
    result = solver.solve(k)
    if result.status == "unknown":
        return Judgement("unknown", f"could not decide whether {count(k)} do it: "
                         f"{result.reason}")
    fits = result.status == "realizable"
    details: dict[str, Any] = {"units": k}
    if fits:
        assert result.network is not None
        details["witness"] = network_json(result.network)
        why = f"a {k}-unit network does it (checked witness)"
    else:
        details["certificate"] = result.certificate
        why = f"no {k}-unit network does it (checked refutation)"
    return Judgement("correct" if fits == claimed else "incorrect", why, details)


def _judge_fewest(spec: ThresholdSpec, k: int, solver: Solver) -> Judgement:
    lowest = trusted.smallest_units(spec)
    if k < lowest:
        return Judgement("incorrect", f"the spec asks about {lowest} units or more")
    top = solver.solve(k)
    if top.status == "unknown":
        return Judgement("unknown", f"could not decide whether {count(k)} do it: {top.reason}")
    if top.status == "unrealizable":
        return Judgement("incorrect", f"{count(k)} cannot do it (checked refutation)",
                         {"units": k, "certificate": top.certificate})
    smaller = range(k - 1 if trusted.monotone_in_units(spec) else lowest, k)
    refutations = {}
    for j in (j for j in smaller if j >= lowest):
        r = solver.solve(j)
        if r.status == "unknown":
            return Judgement("unknown", f"{count(k)} do it; could not decide {j}: {r.reason}")
        if r.status == "realizable":
            assert r.network is not None
            return Judgement("incorrect", f"{count(j)} already do it (checked witness)",
                             {"units": j, "witness": network_json(r.network)})
        assert r.certificate is not None
        refutations[j] = r.certificate
    assert top.network is not None
    trusted.check_fewest(spec, k, top.network, top.s0, refutations)
    below = (f"{k - 1} cannot" if refutations else "no smaller count is asked about")
    return Judgement("correct", f"{count(k)} do it and {below} (checked witness and "
                     "refutation)", {"units": k, "witness": network_json(top.network)})
