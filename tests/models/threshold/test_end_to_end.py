"""End to end: spec file -> `verify check --format json` -> re-checked from the JSON alone.

The test re-derives every cited row from the raw data it wrote into the spec and adds the
multipliers itself, so a wrong certificate or witness in the printed JSON fails here even
if the package's own checker were wrong too.
"""

from __future__ import annotations

import json
from fractions import Fraction as F

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from verify.cli import main

numbers = st.one_of(st.integers(-2, 2).map(F), st.fractions(-3, 3, max_denominator=5))


@st.composite
def raw_specs(draw):
    n = draw(st.integers(1, 3))
    seqs = []
    for _ in range(n):
        length = draw(st.integers(1, 8))
        xs = draw(st.lists(numbers, min_size=length, max_size=length))
        ys = draw(st.lists(st.integers(0, 1), min_size=length, max_size=length))
        seqs.append((xs, ys, draw(st.sampled_from([0, 1, "free"]))))
    return draw(st.sampled_from(["strict", "nonstrict"])), seqs


def to_yaml(step, seqs) -> str:
    lines = ["model: step-rnn", f"step: {step}", "sequences:"]
    for xs, ys, s0 in seqs:
        inp = ", ".join(f'"{x}"' for x in xs)
        lines.append(f"  - {{input: [{inp}], output: {ys}, s0: {s0}}}")
    return "\n".join(lines) + "\n"


def required_row(step, seqs, j, t, s0):
    xs, ys, _ = seqs[j]
    s_prev = s0 if t == 1 else ys[t - 2]
    sign = 1 if ys[t - 1] == 1 else -1
    strict = (ys[t - 1] == 1) == (step == "strict")
    return [sign * xs[t - 1], F(sign * s_prev), F(sign)], strict


def check_proof(step, seqs, proof, assigned):
    if "split" in proof:
        j = proof["split"]["sequence"]
        assert seqs[j][2] == "free" and j not in assigned
        assert sorted(c["value"] for c in proof["cases"]) == [0, 1]
        for case in proof["cases"]:
            check_proof(step, seqs, case["proof"], {**assigned, j: case["value"]})
        return
    total = [F(0)] * 3
    strict_used = False
    for row in proof["rows"]:
        j, t = row["sequence"], row["t"]
        s0 = seqs[j][2] if seqs[j][2] != "free" or t > 1 else assigned[j]
        coeffs, strict = required_row(step, seqs, j, t, s0)
        assert [F(row["coefficients"][p]) for p in ("w1", "w2", "b")] == coeffs
        assert row["relation"] == (">" if strict else ">=")
        m = F(row["multiplier"])
        assert m > 0
        total = [a + m * c for a, c in zip(total, coeffs)]
        strict_used = strict_used or strict
    assert total == [0, 0, 0] and strict_used


def check_witness(step, seqs, witness, s0s):
    w1, w2, b = (F(witness[p]) for p in ("w1", "w2", "b"))
    for j, (xs, ys, s0) in enumerate(seqs):
        s = s0 if s0 != "free" else s0s[j]
        for x, y in zip(xs, ys):
            z = w1 * x + w2 * s + b
            s = int(z > 0) if step == "strict" else int(z >= 0)
            assert s == y


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw_specs(), st.sampled_from(["z3", "lp", "exact"]))
def test_printed_answers_recheck_from_the_json_alone(tmp_path_factory, capsys, raw, solver):
    # capsys is read out (and so reset) once per example
    step, seqs = raw
    path = tmp_path_factory.mktemp("e2e") / "spec.yaml"
    path.write_text(to_yaml(step, seqs))
    code = main(["check", "--format", "json", "--solver", solver, str(path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    event(out["status"] + (" (split)" if "split" in out.get("certificate", {}) else ""))
    if out["status"] == "realizable":
        check_witness(step, seqs, out["witness"], out.get("s0"))
    else:
        assert out["status"] == "unrealizable"
        check_proof(step, seqs, out["certificate"], {})


def test_a_split_on_free_s0_rechecks_from_the_json(tmp_path, capsys):
    seqs = [([F(0), F(1), F(0)], [1, 1, 0], "free"), ([F(1), F(1), F(0)], [0, 0, 0], "free")]
    path = tmp_path / "split.yaml"
    path.write_text(to_yaml("strict", seqs))
    for solver in ("z3", "lp", "exact"):
        assert main(["check", "--format", "json", "--solver", solver, str(path)]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["status"] == "unrealizable" and "split" in out["certificate"]
        check_proof("strict", seqs, out["certificate"], {})
