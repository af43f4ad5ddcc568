"""``verify check`` on LSTM formula specs: exit codes, JSON shape, no files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lstm_specs import CORRECT_SPEC as CORRECT

from verify.cli import main

ROOT = Path(__file__).resolve().parents[3]
SPECS = ROOT / "specs" / "lstm"

WRONG = CORRECT.replace("dc_prev: dcf * f", "dc_prev: dc * f")
BAD = CORRECT.replace("dc_prev: dcf * f", "dc_prev: dcf.__class__")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any]]:
    code = main(["check", "--format", "json", "--examples", "30", *args])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok, wrong, bad = (write(tmp_path, n, t) for n, t in
                      (("ok.yaml", CORRECT), ("wrong.yaml", WRONG), ("bad.yaml", BAD)))
    assert main(["check", "--examples", "30", ok]) == 0
    assert main(["check", "--examples", "30", wrong]) == 1
    assert main(["check", "--examples", "30", bad]) == 2
    assert main(["check", "--examples", "30", ok, wrong]) == 1
    assert main(["check", "--examples", "30", ok, wrong, bad]) == 2
    text = capsys.readouterr().out
    assert "INCORRECT" in text and "forgot the path through h_t" in text
    assert "bad.yaml:7: claim.dc_prev" in text


def test_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, (ok, wrong, bad) = run_json(
        [write(tmp_path, "a.yaml", CORRECT), write(tmp_path, "b.yaml", WRONG),
         write(tmp_path, "c.yaml", BAD)], capsys)
    assert code == 2
    assert ok["status"] == "checked" and ok["name"] == "small correct spec"
    assert ok["claim"] == {"verdict": "correct", "targets": {
        "dc_total": {"verdict": "correct", "line": 6},
        "dc_prev": {"verdict": "correct", "line": 7},
        "db_f": {"verdict": "correct", "line": 8}}}
    assert ok["examples"] == 30
    assert wrong["claim"]["verdict"] == "incorrect"
    target = wrong["claim"]["targets"]["dc_prev"]
    assert target["verdict"] == "incorrect" and "hint" in target and "reason" in target
    cex = target["counterexample"]
    assert {"input_size", "hidden_size", "values", "expected", "got", "entry",
            "expected_shape", "got_shape", "instance"} <= cex.keys()
    assert set(cex["values"]) == {"f", "dc"}  # what the wrong formula reads
    assert bad["status"] == "error"
    assert bad["error"]["line"] == 7 and bad["error"]["key"] == "claim.dc_prev"


def test_shipped_specs_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, outcomes = run_json([str(SPECS)], capsys)
    assert code == 1
    verdicts = {Path(o["spec"]).name: o["claim"]["verdict"] for o in outcomes}
    assert verdicts == {"correct_cell.yaml": "correct", "seed_answer2.yaml": "incorrect"}


def test_checking_writes_no_files_in_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "wrong.yaml", WRONG)
    assert main(["check", "--examples", "30", "wrong.yaml"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wrong.yaml"]
    capsys.readouterr()


def test_a_fresh_process_writes_no_hypothesis_directory(tmp_path: Path) -> None:
    """In a new process hypothesis has cached nothing yet: the case that used to create
    ./.hypothesis/constants."""
    spec = write(tmp_path, "wrong.yaml", WRONG)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    done = subprocess.run([sys.executable, "-m", "verify", "check", "--examples", "20", spec],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1, done.stderr
    assert "INCORRECT" in done.stdout and done.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wrong.yaml"]
