"""Stage: pipeline + report for threshold-rnn specs with ``behaviour:`` (every input string).

Entry point for the threshold-rnn handler: :func:`check_behaviour` ``(spec, options) ->
Outcome`` when ``spec.behaviour`` is set. It answers

- a claimed witness: right on every string (pairs explored), or the shortest failing
  string (then first in alphabet order) with the traces of network and behaviour;
- ``realizable: false, units: k``: an impossibility proof, or a design that refutes it;
- ``fewest_units: k`` and ``units: {min, max}``: a design at k* and proofs below it;
- otherwise a design at ``units: k``.

Every design is re-checked by the trusted product exploration, every impossibility by
``product.check_impossibility`` (inside :mod:`design`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from verify.errors import ExitCode
from verify.input import limits
from verify.models.threshold import design
from verify.models.threshold.network import Network, ThresholdSpec
from verify.models.threshold.network_render import network_json
from verify.outcome import Options, Outcome
from verify.recheck import network_from_json
from verify.trusted import network, product
from verify.trusted.checker import CheckFailure


def check_behaviour(spec: ThresholdSpec, options: Options, *,
                    search: design.Search | None = None) -> Outcome:
    deadline = limits.deadline(options.timeout)
    claim = spec.claim
    verdict: str | None = None
    if claim is not None and claim.witness is not None:
        return _judge_witness(spec, claim.witness, claim.witness_s0)
    if claim is not None and claim.realizable is False and claim.units is not None:
        attempts = [design.design_at(spec, claim.units, deadline=deadline, search=search)]
        verdict = {"unrealizable": "correct", "realizable": "incorrect"}.get(
            attempts[0].status, "unknown")
        return _outcome(spec, attempts, verdict, f"no {claim.units}-unit network does this")
    if claim is not None and claim.fewest_units is not None:
        attempts = design.fewest(spec, deadline=deadline, search=search,
                                 low=min(network.smallest_units(spec), claim.fewest_units),
                                 high=max(spec.shape.units, claim.fewest_units))
        last = attempts[-1]
        verdict = ("unknown" if last.status == "unknown" else "correct"
                   if last.status == "realizable" and last.units == claim.fewest_units
                   else "incorrect")
        return _outcome(spec, attempts, verdict,
                        f"the fewest units are {claim.fewest_units}")
    attempts = design.fewest(spec, deadline=deadline, search=search)
    if claim is not None and claim.realizable is True:
        verdict = {"realizable": "correct", "unrealizable": "incorrect"}.get(
            attempts[-1].status, "unknown")
    return _outcome(spec, attempts, verdict, "some network does this")


# -- a claimed network ------------------------------------------------------------------

def _judge_witness(spec: ThresholdSpec, net: Network,
                   witness_s0: tuple[tuple[int, ...], ...] | None) -> Outcome:
    k = len(net.W)
    s0 = tuple(witness_s0[0]) if witness_s0 else tuple(spec.behaviour.s0[:k])
    table = product.machine_table(spec)
    spec_k = design.spec_at(spec, k)
    payload: dict[str, Any] = {"behaviour": _describe(spec, table), "units": k,
                               "network": network_json(net), "s0": list(s0)}
    lines = [f"{spec.path}: {_describe_text(spec, table)}",
             f"claim: the given {k}-unit network is right on every input string"]
    try:  # shapes, the weight domain, fixed entries, s0 (no sequences: no outputs to check)
        _domain_check(spec_k, net, s0)
    except CheckFailure as exc:
        payload["claim"] = {"verdict": "incorrect", "reason": str(exc)}
        lines.append(f"  incorrect: not a network this spec allows: {exc}")
        return Outcome(spec.path, "checked", ExitCode.CLAIM_INCORRECT, payload,
                       "\n".join(lines))
    ex = product.explore(spec_k, net, s0, table)
    payload["pairs_explored"] = ex.pairs
    if ex.equivalent:
        payload["claim"] = {"verdict": "correct"}
        lines.append(f"  correct: checked exactly by exploring all {ex.pairs} reachable "
                     "(network state, behaviour state) pairs")
        return Outcome(spec.path, "checked", ExitCode.OK, payload, "\n".join(lines))
    assert ex.string is not None
    rows = _trace(spec_k, net, s0, ex.string, table)
    payload["claim"] = {"verdict": "incorrect", "string": [spec.behaviour.names[a]
                                                           for a in ex.string], "trace": rows}
    lines.append(f"  incorrect: on the input string {' '.join(r['x'] for r in rows)} "
                 f"(length {len(rows)}: the shortest failing string, first in alphabet "
                 f"order) the output at step {len(rows)} differs (found after exploring {ex.pairs} pair(s))")
    lines.append(_trace_text(rows))
    return Outcome(spec.path, "checked", ExitCode.CLAIM_INCORRECT, payload, "\n".join(lines))


def _trace(spec: ThresholdSpec, net: Network, s0: tuple[int, ...], string: tuple[int, ...],
           table: product.Table) -> list[dict[str, Any]]:
    states = [q for q, _ in product.run_machine(table, string)]
    return [{"t": st.t, "x": spec.behaviour.names[a], "s_prev": list(st.s_prev),
             "z": [str(v) for v in st.z], "s": list(st.s), "y": _bits(st.y),
             "behaviour_state": table.names[q], "wanted": _bits(st.expected)}
            for st, a, q in zip(product.trace(spec, table, net, s0, string), string, states)]


def _trace_text(rows: list[dict[str, Any]]) -> str:
    head = ("t", "x_t", "s_(t-1)", "z", "s_t", "y_t", "behaviour state", "wants")
    table = [head] + [(str(r["t"]), r["x"], _bits(r["s_prev"]), ", ".join(r["z"]),
                       _bits(r["s"]), r["y"], r["behaviour_state"], r["wanted"])
                      for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    out = ["    " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
           for row in table]
    out[-1] += "   <- differs"
    return "\n".join(out)


def _bits(v: Any) -> str:
    return "".join("?" if x == product.DONT_CARE else str(x) for x in v)


# -- designs and impossibility ----------------------------------------------------------

def _outcome(spec: ThresholdSpec, attempts: list[design.Attempt], verdict: str | None,
             claimed: str) -> Outcome:
    table = product.machine_table(spec)
    last = attempts[-1]
    payload: dict[str, Any] = {"behaviour": _describe(spec, table),
                               "attempts": [_attempt_json(spec, a) for a in attempts]}
    lines = [f"{spec.path}: {_describe_text(spec, table)}"]
    for a in attempts:
        lines.extend(_attempt_text(spec, a))
    asked = spec.min_units < spec.shape.units or (spec.claim is not None
                                                  and spec.claim.fewest_units is not None)
    if asked and last.status == "realizable" and all(
            a.status == "unrealizable" for a in attempts[:-1]):
        payload["fewest_units"] = last.units
        below = ("fewer are not asked about" if len(attempts) == 1 else
                 f"a proof that {last.units - 1} cannot" if len(attempts) == 2 else
                 f"proofs that {attempts[0].units} to {last.units - 1} cannot")
        lines.append(f"fewest units: {last.units} (a design with {last.units}; {below})")
    code = ExitCode.UNKNOWN if last.status == "unknown" else ExitCode.OK
    if verdict is not None:
        payload["claim"] = {"claimed": claimed, "verdict": verdict}
        lines.append(f"claim ({claimed}): {verdict}")
        code = {"correct": code, "incorrect": ExitCode.CLAIM_INCORRECT}.get(
            verdict, ExitCode.UNKNOWN)
    return Outcome(spec.path, last.status, code, payload, "\n".join(lines))


def _attempt_json(spec: ThresholdSpec, a: design.Attempt) -> dict[str, Any]:
    out: dict[str, Any] = {"units": a.units, "status": a.status, "searches": a.rounds,
                           "strings": [[spec.behaviour.names[s] for s in w]
                                       for w in a.strings],
                           "total_length": sum(map(len, a.strings))}
    if a.network is not None:
        out.update(network=network_json(a.network), s0=list(a.s0), pairs_explored=a.pairs)
    if a.certificate is not None:
        out["certificate"] = a.certificate
    if a.reason:
        out["reason"] = a.reason
    return out


def _attempt_text(spec: ThresholdSpec, a: design.Attempt) -> list[str]:
    used = f"{len(a.strings)} strings of total length {sum(map(len, a.strings))}"
    if a.status == "realizable" and a.network is not None:
        net = network_json(a.network)
        lines = [(f"{a.units} unit(s): right on every input string ({a.pairs} pairs "
                  f"explored; {a.rounds} searches, {used})")]
        lines += [f"  {name} = {_show(v)}" for name, v in net.items() if v]
        lines.append(f"  s0 = {_show(list(a.s0))}")
        return lines
    if a.status == "unrealizable":
        strings = "; ".join(" ".join(spec.behaviour.names[s] for s in w) for w in a.strings)
        size = (a.certificate or {}).get("refutation", {}).get("size", {})
        nodes = f"{size['nodes']} nodes, {size['leaves']} leaves, " if size else ""
        return [(f"{a.units} unit(s): impossible: no {a.units}-unit network fits these "
                 f"{len(a.strings)} input strings ({strings}), so none is right on every "
                 f"string (proof: {nodes}replayed by the trusted checker; {a.rounds} "
                 "searches)")]
    return [f"{a.units} unit(s): unknown ({a.reason}; {used})"]


def _show(v: Any) -> str:
    return str(v).replace("'", "")


def _describe(spec: ThresholdSpec, table: product.Table) -> dict[str, Any]:
    beh = spec.behaviour
    kind = "machine" if beh.machine else "network" if beh.network else "window"
    return {"kind": kind, "alphabet": list(beh.names), "states": len(table.names)}


def _describe_text(spec: ThresholdSpec, table: product.Table) -> str:
    d = _describe(spec, table)
    what = {"machine": "a machine", "network": "a reference network",
            "window": "a window formula"}[d["kind"]]
    return (f"behaviour given by {what} ({d['states']} reachable states) over the alphabet "
            f"{', '.join(d['alphabet'])}")


# -- re-checking a printed result -------------------------------------------------------

Check = tuple[str, Callable[[], None]]  # what is checked, and the check (raises CheckFailure)


def behaviour_checks(spec: ThresholdSpec, result: dict[str, Any]) -> list[Check]:
    """The checks ``verify recheck`` runs on a printed (JSON) behaviour result, with the
    trusted checker alone: a judged witness is explored again, a design is explored and
    its domain checked, an impossibility certificate is replayed."""
    table = product.machine_table(spec)
    checks: list[Check] = []
    if "network" in result and "claim" in result:
        checks.append(("the judged witness", lambda: _recheck_judged(spec, table, result)))
    for attempt in result.get("attempts", []):
        k = attempt["units"]
        if attempt["status"] == "realizable":
            checks.append((f"the {k}-unit design",
                           functools.partial(_recheck_design, spec, table, attempt)))
        elif attempt["status"] == "unrealizable":
            checks.append((f"the certificate that {k} units cannot", functools.partial(
                product.check_impossibility, spec, attempt["certificate"])))
    return checks


def recheck_behaviour(spec: ThresholdSpec, result: dict[str, Any]) -> None:
    for _, check in behaviour_checks(spec, result):
        check()


def _domain_check(spec_k: ThresholdSpec, net: Network, s0: tuple[int, ...]) -> None:
    network.check_witness(dataclasses.replace(spec_k, sequences=()), len(net.W), net, ())
    if s0 != tuple(spec_k.behaviour.s0[:len(net.W)]):
        raise CheckFailure(f"the claim starts from s0 = {list(s0)}, but the spec fixes s0 = "
                           f"{list(spec_k.behaviour.s0[:len(net.W)])}; change the spec's s0 "
                           "if the network is meant to start there")


def _recheck_judged(spec: ThresholdSpec, table: product.Table, result: dict[str, Any]) -> None:
    net = network_from_json(result["network"])
    claim, spec_k = result["claim"], design.spec_at(spec, len(net.W))
    if "reason" in claim:  # judged outside the spec's domain: the check must fail
        try:
            _domain_check(spec_k, net, tuple(result["s0"]))
        except CheckFailure:
            return
        raise CheckFailure("the witness was judged outside the domain, but it is inside")
    ex = product.explore(spec_k, net, tuple(result["s0"]), table)
    if ex.equivalent != (claim["verdict"] == "correct"):
        raise CheckFailure(f"the claim was judged {claim['verdict']}, the exploration says "
                           f"{'correct' if ex.equivalent else 'incorrect'}")
    if not ex.equivalent and claim.get("string") != [spec.behaviour.names[a]
                                                     for a in ex.string or ()]:
        raise CheckFailure("the printed failing string is not the shortest (first in "
                           "alphabet order)")


def _recheck_design(spec: ThresholdSpec, table: product.Table, attempt: dict[str, Any]) -> None:
    net, k = network_from_json(attempt["network"]), attempt["units"]
    spec_k = design.spec_at(spec, k)
    _domain_check(spec_k, net, tuple(attempt["s0"]))
    if not product.explore(spec_k, net, tuple(attempt["s0"]), table).equivalent:
        raise CheckFailure(f"the {k}-unit design is wrong on some input string")
