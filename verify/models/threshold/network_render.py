"""Stage: report (threshold-rnn). A checked answer as JSON and as text for people.

JSON: rationals as strings, the witness as matrices ``{"W": [["1", "-2"]], ...}``, proofs
in the ``verify-certificate/2`` shape the trusted checker replays (and ``verify recheck``
re-checks from this JSON alone), the weight domain used, and the proof size. Text: the
witness as matrices, for hidden-state cases each sequence's trajectory (t, x_t, s_t, y_t),
Motzkin leaves as sums of the cited steps' inequalities in the spec's own names
(``1 × [t=3, unit 0: W[0][0] + U[0][1] + b[0] > 0]``).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.models.threshold.network import Network, StepKind, ThresholdSpec
from verify.models.threshold.network_load import describe_domain
from verify.models.threshold.observed import applies as observed_case
from verify.trusted import network as trusted

if TYPE_CHECKING:
    from verify.models.threshold.network_claims import Judgement
    from verify.models.threshold.network_pipeline import Answer

TRAJECTORY_ROWS = 12


def network_json(net: Network) -> dict[str, Any]:
    out: dict[str, Any] = {
        "W": [[str(v) for v in r] for r in net.W], "U": [[str(v) for v in r] for r in net.U],
        "b": [str(v) for v in net.b]}
    if net.V:
        out["V"] = [[str(v) for v in r] for r in net.V]
        out["c"] = [str(v) for v in net.c]
    return out


def _domains(spec: ThresholdSpec) -> dict[str, str]:
    return {"weights": describe_domain(spec.weights), "bias": describe_domain(spec.bias)}


def to_json(spec: ThresholdSpec, answer: Answer, judgement: Judgement | None
            ) -> dict[str, Any]:
    out: dict[str, Any] = {"checked": answer.status != "unknown", "model": "threshold-rnn"}
    if spec.name:
        out["name"] = spec.name
    out["steps"] = sum(len(s.outputs) for s in spec.sequences)
    out["method"] = answer.method
    out["domain"] = _domains(spec)
    ranged = spec.min_units != spec.shape.units
    result = answer.result
    if answer.status == "realizable":
        assert result is not None and result.network is not None
        out["units"] = answer.units
        if ranged:
            out["fewest_units"] = answer.units
        out["witness"] = network_json(result.network)
        out["s0"] = [list(v) for v in (result.s0 or ())]
    elif answer.status == "unrealizable":
        top = max(answer.refutations)
        out["units"] = top
        out["certificate"] = answer.refutations[top]
        out["proof_size"] = proof_size(answer.refutations[top])
    if answer.refutations and (ranged or answer.status != "unrealizable"):
        out["refutations"] = {str(k): c for k, c in sorted(answer.refutations.items())}
    if answer.status == "unknown":
        out["reason"] = answer.reason
    if judgement is not None:
        out["claim"] = {"verdict": judgement.verdict, "reason": judgement.reason,
                        **judgement.details}
    return out


def proof_size(cert: dict[str, Any]) -> dict[str, int]:
    """Nodes and leaves of a printed proof (a tree, or one leaf per impossible unit)."""
    leaves = cert.get("unit_certificates")
    if leaves:
        return {"nodes": len(leaves), "leaves": len(leaves)}
    todo, nodes, count = [cert["proof"]], 0, 0
    while todo:
        node = todo.pop()
        nodes += 1
        if "cases" in node:
            todo.extend(c["proof"] for c in node["cases"])
        else:
            count += 1
    return {"nodes": nodes, "leaves": count}


# -- text ---------------------------------------------------------------------------------

def _matrix(rows: Any) -> str:
    if rows and isinstance(rows[0], tuple):
        return "[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in rows) + "]"
    return "[" + ", ".join(map(str, rows)) + "]"


def _header(spec: ThresholdSpec) -> list[str]:
    shape = spec.shape
    rule = "z > 0" if spec.step is StepKind.STRICT else "z ≥ 0"
    units = (str(shape.units) if spec.min_units == shape.units
             else f"{spec.min_units} to {shape.units}")
    outs = (f"readout of {shape.readout}" if shape.readout is not None
            else f"outputs = units {list(shape.observe)}")
    n = len(spec.sequences)
    steps = sum(len(s.outputs) for s in spec.sequences)
    head = spec.path + (f" — {spec.name}" if spec.name else "")
    return [head, (f"  threshold network: {shape.inputs} input(s), {units} unit(s), {outs}; "
                   f"step(z) = 1 iff {rule}; {n} sequence{'s' if n != 1 else ''}, {steps} steps"),
            f"  weights: {describe_domain(spec.weights)}; biases: {describe_domain(spec.bias)}"]


def to_text(spec: ThresholdSpec, answer: Answer, judgement: Judgement | None) -> str:
    lines = _header(spec)
    result = answer.result
    if answer.status == "realizable":
        assert result is not None and result.network is not None
        fewest = " (the fewest)" if spec.min_units != spec.shape.units else ""
        lines.append(f"  REALIZABLE with {answer.units} unit{'s' if answer.units != 1 else ''}"
                     f"{fewest}:")
        lines += [f"    {b} = {_matrix(getattr(result.network, b))}" for b in "WUbVc"
                  if getattr(result.network, b)]
        for k in sorted(answer.refutations):
            lines.append(f"  {k} unit{'s' if k != 1 else ''} cannot: "
                         f"{_size_text(answer.refutations[k])}")
        if not observed_case(spec):
            lines += _trajectories(spec, result.network, result.s0)
    elif answer.status == "unrealizable":
        lines.append(f"  UNREALIZABLE: no network with {_units_text(spec)} in these "
                     "domains produces these outputs.")
        for k in sorted(answer.refutations):
            lines += _certificate_text(spec, k, answer.refutations[k])
    else:
        lines.append(f"  UNKNOWN: {answer.reason} (try a larger --timeout)")
    if answer.status != "unknown":
        lines.append(f"  (by {answer.method}; re-checked exactly by the trusted checker)")
    if judgement is not None:
        lines.append(f"  claim: {judgement.verdict.upper()} — {judgement.reason}")
    return "\n".join(lines)


def _units_text(spec: ThresholdSpec) -> str:
    if spec.min_units == spec.shape.units:
        return f"{spec.shape.units} unit{'s' if spec.shape.units != 1 else ''}"
    return f"{trusted.smallest_units(spec)} to {spec.shape.units} units"


def _size_text(cert: dict[str, Any]) -> str:
    size = proof_size(cert)
    return (f"proof of {size['nodes']} node{'s' if size['nodes'] != 1 else ''}, "
            f"{size['leaves']} lea{'ves' if size['leaves'] != 1 else 'f'} (checked)")


def _where(spec: ThresholdSpec, row: dict[str, Any]) -> str:
    t = f"t={row['t']}" if len(spec.sequences) == 1 else f"seq {row['sequence']}, t={row['t']}"
    unit = row["unit"]
    return f"{t}, {'unit' if unit['kind'] == 'state' else 'readout'} {unit['index']}"


def linear_text(coefficients: dict[str, str]) -> str:
    parts: list[str] = []
    for name, text in coefficients.items():
        c = Fraction(text)
        if c == 0:
            continue
        term = name if abs(c) == 1 else f"{abs(c)}·{name}"
        parts.append((term if c > 0 else f"−{term}") if not parts
                     else ("+ " if c > 0 else "− ") + term)
    return " ".join(parts) or "0"


def _leaf_text(spec: ThresholdSpec, leaf: dict[str, Any], indent: str) -> list[str]:
    body = leaf["motzkin"]
    unit = body["unit"]
    what = "unit" if unit["kind"] == "state" else "readout unit"
    lines = [(f"{indent}{what} {unit['index']} cannot: its steps require these inequalities, "
              "and adding them with these multipliers gives a contradiction:")]
    const, strict = Fraction(0), False
    for r in body["rows"]:
        m = Fraction(r["multiplier"])
        strict = strict or (m > 0 and r["relation"] == ">")
        rel = ">" if r["relation"] == ">" else "≥"
        if "bound" in r:
            v = Fraction(r["value"])
            rel = "≥" if r["relation"] == ">=" else "≤"
            const += m * (-v if r["relation"] == ">=" else v)
            lines.append(f"{indent}  {m} × [domain: {r['bound']} {rel} {v}]")
        else:
            lines.append(f"{indent}  {m} × [{_where(spec, r)}: "
                         f"{linear_text(r['coefficients'])} {rel} 0]")
    end = f"{const} {'>' if strict else '≥'} 0" + (", which is false" if const else "")
    lines.append(f"{indent}  ⇒ {end}")
    return lines


def _certificate_text(spec: ThresholdSpec, k: int, cert: dict[str, Any]) -> list[str]:
    leaves = cert.get("unit_certificates") or [cert["proof"]]
    lines = [f"  with {k} unit{'s' if k != 1 else ''}: {_size_text(cert)}"]
    if "clash" in leaves[0]:
        c = leaves[0]["clash"]
        where = f"t={c['t']}" if len(spec.sequences) == 1 else f"seq {c['sequence']}, t={c['t']}"
        lines.append(f"    at {where} output {c['output']} must differ from what an earlier step "
                     "in the same situation (the same x_t and s_(t-1)) required; a network "
                     "computes s_t from (x_t, s_(t-1)) alone, so no weights can do both")
    elif all("motzkin" in leaf for leaf in leaves):
        for leaf in leaves:
            lines += _leaf_text(spec, leaf, "    ")
    else:
        lines.append("    a split tree over transition-table entries (unit i's value after "
                     "input x and state σ); every leaf an output clash or a Motzkin sum; "
                     "--format json prints it")
    return lines


def _trajectories(spec: ThresholdSpec, net: Network, s0: Any) -> list[str]:
    """Each sequence's states and outputs under the witness (first steps only)."""
    short = dataclasses.replace(spec, sequences=tuple(
        dataclasses.replace(s, inputs=tuple(s.inputs[:TRAJECTORY_ROWS]),
                            outputs=tuple(s.outputs[:TRAJECTORY_ROWS]))
        for s in spec.sequences))
    lines = []
    for j, run in enumerate(trusted.simulate(short, net, s0)):
        lines.append(f"  sequence {j} (s0 = {''.join(map(str, s0[j]))}):")
        lines.append("       t  x_t            s_t      y_t     want")
        for st in run:
            x = " ".join(map(str, st.x))
            want = "".join("?" if v < 0 else str(v) for v in st.expected)
            lines.append(f"    {st.t:>4}  {x:<13}  {''.join(map(str, st.s)):<7}  "
                         f"{''.join(map(str, st.y)):<6}  {want}")
        rest = len(spec.sequences[j].outputs) - len(run)
        if rest > 0:
            lines.append(f"    … {rest} more steps, all reproduced (checked exactly)")
    return lines
