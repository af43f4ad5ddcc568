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
