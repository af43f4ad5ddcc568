"""End to end: `verify check --format json` on threshold-rnn specs, and `verify recheck`
of the printed JSON, including corrupted JSON rejected for the right reason."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[3]
SPECS = ROOT / "specs" / "threshold"


def check_json(path: Path, capsys) -> dict:
    main(["check", "--format", "json", str(path)])
    return json.loads(capsys.readouterr().out)


def recheck(spec: Path, record: dict, tmp_path: Path, capsys) -> tuple[int, str]:
    out = tmp_path / "result.jsonl"
    out.write_text(json.dumps(record) + "\n")
    code = main(["recheck", str(spec), str(out)])
    return code, capsys.readouterr().out


def test_cli_json_for_an_observed_latch_is_a_checked_witness():
    proc = subprocess.run([sys.executable, "-m", "verify", "check", "--format", "json",
                           str(SPECS / "sr_latch.yaml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "realizable" and out["checked"] is True
    assert out["method"].startswith("observed states")
    assert out["domain"] == {"weights": "real", "bias": "real"}
    w = out["witness"]
    # simulate the latch by hand: s = step(W x + U s + b), strict
    s, got = 0, []
    for x in ["00", "10", "00", "00", "01", "00", "10", "10", "01", "01", "00"]:
        z = sum(Fraction(a) * int(c) for a, c in zip(w["W"][0], x)) + Fraction(w["U"][0][0]) * s \
            + Fraction(w["b"][0])
        s = int(z > 0)
        got.append(str(s))
    assert "".join(got) == "01110011000"


def test_unrealizable_json_names_steps_units_and_weights(capsys):
    out = check_json(SPECS / "d_latch_one_unit.yaml", capsys)
    cert = out["certificate"]
    assert cert["format"] == "verify-certificate/2" and cert["units"] == 1
    rows = cert["proof"]["motzkin"]["rows"]
    assert all(r["unit"] == {"kind": "state", "index": 0} for r in rows)
    assert set(rows[0]["coefficients"]) == {"W[0][0]", "W[0][1]", "U[0][0]", "b[0]"}
    assert out["proof_size"] == {"nodes": 1, "leaves": 1}


@pytest.mark.parametrize("name", ["d_latch_one_unit", "fewest_units", "running_parity"])
def test_recheck_accepts_what_check_printed(name, tmp_path, capsys):
    spec = SPECS / f"{name}.yaml"
    code, text = recheck(spec, check_json(spec, capsys), tmp_path, capsys)
    assert code == 0, text
    assert "accepted" in text and "REJECTED" not in text


def test_recheck_rejects_a_wrong_multiplier(tmp_path, capsys):
    spec = SPECS / "d_latch_one_unit.yaml"
    record = check_json(spec, capsys)
    record["certificate"]["proof"]["motzkin"]["rows"][0]["multiplier"] = "2"
    code, text = recheck(spec, record, tmp_path, capsys)
    assert code == 1
    assert "REJECTED" in text and "do not cancel" in text


def test_recheck_rejects_a_changed_witness_entry(tmp_path, capsys):
    spec = SPECS / "sr_latch.yaml"
    record = check_json(spec, capsys)
    record["witness"]["U"][0][0] = "-1"  # the latch no longer holds its state
    code, text = recheck(spec, record, tmp_path, capsys)
    assert code == 1
    assert "REJECTED the witness" in text and "expected" in text


def test_recheck_rejects_a_fewest_answer_without_its_refutation(tmp_path, capsys):
    spec = SPECS / "fewest_units.yaml"
    record = check_json(spec, capsys)
    del record["refutations"]
    code, text = recheck(spec, record, tmp_path, capsys)
    assert code == 1
    assert "needs a proof that 1 units cannot" in text


def test_recheck_step_rnn_results_through_the_step_rnn_checker(tmp_path, capsys):
    spec = ROOT / "specs" / "seed" / "q1b.yaml"
    record = check_json(spec, capsys)
    code, text = recheck(spec, record, tmp_path, capsys)
    assert code == 0 and "accepted the certificate" in text
    rows = record["certificate"]["rows"]
    rows[0]["coefficients"]["w1"] = str(Fraction(rows[0]["coefficients"]["w1"]) + 1)
    code, text = recheck(spec, record, tmp_path, capsys)
    assert code == 1 and "requires" in text


def test_recheck_refuses_a_file_that_is_not_json(tmp_path, capsys):
    bad = tmp_path / "r.jsonl"
    bad.write_text("not json\n")
    assert main(["recheck", str(SPECS / "sr_latch.yaml"), str(bad)]) == 2
    assert "line 1: not JSON" in capsys.readouterr().out


def test_timeout_gives_unknown_with_what_was_tried(tmp_path, capsys):
    spec = tmp_path / "hard.yaml"
    spec.write_text("""model: threshold-rnn
units: 3
readout: 1
sequences:
  - input: "0110100110010110011010011001011010010110"
    output: "0100110111000101110100111010001011001101"
""")
    code = main(["check", "--format", "json", "--timeout", "0.001", str(spec)])
    out = json.loads(capsys.readouterr().out)
    assert code == 3 and out["status"] == "unknown" and out["checked"] is False
    assert "3 units" in out["reason"]


def judged(tmp_path, capsys, text: str) -> tuple[int, dict]:
    spec = tmp_path / "claim.yaml"
    spec.write_text(text)
    code = main(["check", "--format", "json", str(spec)])
    return code, json.loads(capsys.readouterr().out)


PARITY = """model: threshold-rnn
units: 2
readout: 1
weights: {min: -2, max: 2}
s0: 0
sequences:
  - input: "0110"
    output: "0100"
claim:
"""


def test_a_wrong_witness_names_the_first_differing_step_with_each_z(tmp_path, capsys):
    # by hand: x = 0, 1, 1 gives z = (0, 0), (1, 1), (1, 1); the readout says 0, 1, 1
    code, out = judged(tmp_path, capsys, PARITY + "  witness: {W: [[1], [1]], U: [[0, 0], "
                       "[0, 0]], b: [0, 0], V: [[1, 0]], c: [0]}\n")
    assert code == 1 and out["claim"]["verdict"] == "incorrect"
    assert out["claim"]["reason"].startswith("at t=3 output 0 is 1 but the spec says 0 "
                                             "(z0 = 1, z1 = 1")
    assert out["claim"]["first_difference"]["t"] == 3


@pytest.mark.parametrize("witness, words", [
    ("{W: [[3], [1]], U: [[0, 0], [0, 0]], b: [0, 0], V: [[1, 0]], c: [0]}",
     "W[0][0] = 3 is outside"),
])
def test_a_witness_outside_the_domain_is_incorrect_and_says_so(tmp_path, capsys, witness,
                                                                words):
    code, out = judged(tmp_path, capsys, PARITY + f"  witness: {witness}\n")
    assert code == 1 and words in out["claim"]["reason"]


def test_a_witness_against_a_fixed_entry_is_incorrect(tmp_path, capsys):
    text = PARITY.replace("s0: 0\n", "s0: 0\nfixed: {c: 1}\n")
    code, out = judged(tmp_path, capsys, text + "  witness: {W: [[1], [1]], U: [[0, 0], "
                       "[0, 0]], b: [0, 0], V: [[1, 0]], c: [0]}\n")
    assert code == 1 and "fixes it to 1" in out["claim"]["reason"]


def test_realizable_false_is_judged_with_a_checked_witness_or_proof(tmp_path, capsys):
    code, out = judged(tmp_path, capsys, PARITY + "  realizable: false\n  units: 2\n")
    assert code == 1 and out["claim"]["verdict"] == "incorrect" and "witness" in out["claim"]
    text = (SPECS / "fewest_units.yaml").read_text().replace(
        "fewest_units: 2", "realizable: false\n  units: 1")
    code, out = judged(tmp_path, capsys, text)
    assert code == 0 and out["claim"]["certificate"]["format"] == "verify-certificate/2"


def test_fewest_units_too_low_is_incorrect(tmp_path, capsys):
    text = (SPECS / "fewest_units.yaml").read_text().replace("fewest_units: 2",
                                                             "fewest_units: 1")
    code, out = judged(tmp_path, capsys, text)
    assert code == 1 and out["claim"]["reason"].startswith("1 unit cannot do it")
