"""The command line on the shipped specs: exit codes, JSON lines, text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "specs" / "seed"


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", *args])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


@pytest.mark.parametrize("solver", ["z3", "lp", "exact"])
def test_seed_specs_give_the_documented_verdicts(capsys, solver):
    code, out = run_json(capsys, "--solver", solver, str(SEED))
    by_name = {Path(o["spec"]).name: o for o in out}
    assert by_name["q1a.yaml"]["status"] == "realizable"
    assert by_name["q1b.yaml"]["status"] == "unrealizable"
    assert by_name["q1b_s0_1.yaml"]["status"] == "unrealizable"
    assert by_name["q1b_s0_free.yaml"]["status"] == "unrealizable"
    assert by_name["q1a_seed_answer.yaml"]["claim"]["verdict"] == "incorrect"
    assert "t=4" in by_name["q1a_seed_answer.yaml"]["claim"]["reason"]
    assert by_name["q1b_seed_answer.yaml"]["claim"]["verdict"] == "incorrect"
    assert by_name["q1b_correct_argument.yaml"]["claim"]["verdict"] == "correct"
    assert all(o["checked"] and o["backend"] == solver for o in out)
    assert code == 1  # the seed's answers are wrong


def test_json_certificate_shape(capsys):
    code, [out] = run_json(capsys, str(SEED / "q1b.yaml"))
    assert code == 0
    contract = ("sequence", "t", "coefficients", "relation", "multiplier")
    assert [{k: r[k] for k in contract} for r in out["certificate"]["rows"]] == [
        {"sequence": 0, "t": 1, "coefficients": {"w1": "0", "w2": "0", "b": "1"},
         "relation": ">", "multiplier": "1"},
        {"sequence": 0, "t": 5, "coefficients": {"w1": "0", "w2": "0", "b": "-1"},
         "relation": ">=", "multiplier": "1"}]
    # every row maps back to all the steps that require it
    assert out["certificate"]["rows"][1]["steps_with_this_row"] == 2
    assert out["certificate"]["rows"][1]["first_steps"] == [{"sequence": 0, "t": 5},
                                                            {"sequence": 0, "t": 6}]


def test_witness_is_exact_strings(capsys):
    code, [out] = run_json(capsys, str(SEED / "q1a.yaml"))
    assert code == 0 and out["status"] == "realizable"
    w = out["witness"]
    assert set(w) == {"w1", "w2", "b"} and all(isinstance(v, str) for v in w.values())


def test_text_output_writes_the_certificate_as_a_sum(capsys):
    assert main(["check", str(SEED / "q1b.yaml")]) == 0
    text = capsys.readouterr().out
    assert "1 × [t=1: b > 0] + 1 × [t=5: −b ≥ 0] ⇒ 0 > 0" in text
    assert "both see x=0" in text


def test_one_bad_spec_does_not_stop_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: step-rnn\ninput: [0, 1]\noutput: [0, 2]\n")
    code, out = run_json(capsys, str(bad), str(SEED / "q1a.yaml"))
    assert code == 2
    assert [o["status"] for o in out] == ["error", "realizable"]
    assert out[0]["error"]["line"] == 3 and "output" in out[0]["error"]["key"]


def test_unknown_is_exit_3_never_a_guess(tmp_path, capsys, monkeypatch):
    from verify.linear import backends as backend
    from verify.linear.system import BackendAnswer, Status

    class GivesUp:
        name = "z3"

        def solve(self, system, *, timeout=None):
            return BackendAnswer(Status.UNKNOWN, note="timeout after 0.001 s")

    monkeypatch.setattr(backend, "get", lambda name: GivesUp())
    code, [out] = run_json(capsys, str(SEED / "q1b.yaml"))
    assert code == 3 and out["status"] == "unknown" and "timeout" in out["reason"]


def test_usage_errors_exit_2(capsys):
    assert main(["check"]) == 2
    assert main(["check", "--solver", "cplex", str(SEED)]) == 2
    assert main(["check", "/nonexistent/spec.yaml"]) == 2
    capsys.readouterr()


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "verify", "check", "--format", "json",
                           str(SEED / "q1b.yaml")], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "unrealizable"


def test_all_backends_agree_on_every_shipped_spec(capsys):
    statuses = {}
    for solver in ("z3", "lp", "exact"):
        _, out = run_json(capsys, "--solver", solver, str(ROOT / "specs" / "seed"),
                          str(ROOT / "specs" / "examples"))
        statuses[solver] = {o["spec"]: (o["status"], o.get("claim", {}).get("verdict"))
                            for o in out if o["status"] != "checked"}
    assert statuses["z3"] == statuses["lp"] == statuses["exact"]
    assert len(statuses["z3"]) >= 10


@pytest.mark.parametrize("solver", ["z3", "lp", "exact"])
def test_huge_and_tiny_exact_inputs(tmp_path, capsys, solver):
    spec = tmp_path / "huge.yaml"
    spec.write_text('model: step-rnn\ninput: [1e400, 1e-400, 0.1, "1/3", -1e400]\n'
                    "output: [1, 0, 0, 0, 0]\n")
    assert main(["check", "--solver", solver, str(spec)]) == 0
    assert "≈1.0000e+400" in capsys.readouterr().out
    code, [out] = run_json(capsys, "--solver", solver, str(spec))
    assert code == 0 and out["status"] == "realizable" and out["checked"]


def test_text_mode_closes_a_batch_with_a_summary(capsys):
    assert main(["check", str(SEED / "q1b.yaml"), str(SEED / "q1b_seed_answer.yaml")]) == 1
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last == "2 specs: 2 unrealizable; claims: 1 incorrect"
