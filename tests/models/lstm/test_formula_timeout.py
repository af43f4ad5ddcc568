"""``Options.timeout`` for LSTM formula specs: drawing stops when the time is up, the number
of instances actually checked is reported, and no instance at all means "unknown"."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from lstm_specs import CORRECT_SPEC as SPEC

from verify.cli import main
from verify.errors import ExitCode
from verify.input.yamldoc import parse_text
from verify.models.lstm.formula import check_spec, check_target, load_spec, survey
from verify.outcome import Options

WRONG = SPEC.replace("dc_prev: dcf * f", "dc_prev: dc * f + 1")  # wrong on every instance


def test_no_instance_checked_is_unknown_never_correct() -> None:
    outcome = check_spec(parse_text(SPEC, "t.yaml"), Options(timeout=0.0, examples=30))
    assert outcome.status == "unknown" and outcome.exit_code is ExitCode.UNKNOWN
    payload = outcome.payload
    assert payload["examples"] == 0 and payload["timed_out"] is True
    assert payload["claim"]["verdict"] == "unknown"
    assert {r["verdict"] for r in payload["claim"]["targets"].values()} == {"unknown"}
    assert "UNKNOWN" in outcome.text and "CORRECT" not in outcome.text
    assert "0 drawn instances (stopped by the time limit)" in outcome.text


def test_untimed_survey_checks_every_requested_instance() -> None:
    spec = load_spec(parse_text(WRONG, "t.yaml"))
    found = survey(spec, Options(examples=7))
    assert found.checked == 7 and not found.timed_out
    assert set(found.failing) == {"dc_prev"}


def test_drawing_stops_when_the_time_is_up() -> None:
    spec = load_spec(parse_text(SPEC, "t.yaml"))
    many = 20_000  # about a minute of drawing without the deadline
    start = time.monotonic()
    found = survey(spec, Options(examples=many), deadline=start + 0.5)
    assert found.timed_out and found.checked < many
    assert time.monotonic() - start < 10  # stopped, not merely skipping the judging


def test_partial_run_reports_the_instances_it_checked() -> None:
    outcome = check_spec(parse_text(SPEC, "t.yaml"), Options(examples=20_000, timeout=1.0))
    checked = outcome.payload["examples"]
    assert outcome.payload["timed_out"] is True and 0 <= checked < 20_000
    assert f"checked on {checked} drawn instances (stopped by the time limit)" in outcome.text
    # fewer instances than asked for is never "correct": only a counterexample is final
    assert (outcome.payload["claim"]["verdict"], outcome.exit_code) == ("unknown",
                                                                        ExitCode.UNKNOWN)
    assert all(t["verdict"] == "unknown" and "time limit" in t["reason"]
               for t in outcome.payload["claim"]["targets"].values())


def test_a_counterexample_found_before_the_time_limit_is_final() -> None:
    # The survey draws the claimed formula's counterexample on its first instances; the
    # deadline is generous for those few, so the run has checked some on any machine.
    outcome = check_spec(parse_text(WRONG, "t.yaml"), Options(examples=20_000, timeout=2.0))
    targets = outcome.payload["claim"]["targets"]
    assert outcome.payload["examples"] > 0
    assert targets["dc_prev"]["verdict"] == "incorrect"
    assert outcome.exit_code is ExitCode.CLAIM_INCORRECT
    assert targets["dc_total"]["verdict"] == "unknown"


def test_time_up_keeps_the_survey_counterexample_unshrunk() -> None:
    spec = load_spec(parse_text(WRONG, "t.yaml"))
    options = Options(examples=30)
    failing = survey(spec, options).failing["dc_prev"]
    entry = next(e for e in spec.claims if e.name == "dc_prev")
    late = check_target(spec, entry, options, failing, deadline=time.monotonic() - 1)
    assert late["verdict"] == "incorrect"
    assert late["counterexample"]["hidden_size"] == failing.hidden_size
    assert late["counterexample"]["instance"]["dh"] == failing.drawn["dh"].tolist()
    shrunk = check_target(spec, entry, options, failing)
    assert shrunk["verdict"] == "incorrect"
    assert shrunk["counterexample"]["hidden_size"] == 1  # shrinking ran: the smallest size


def test_cli_exit_code_is_unknown_when_nothing_was_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SPEC)
    code = main(["check", "--format", "json", "--timeout", "1e-9", str(path)])
    out = json.loads(capsys.readouterr().out)
    assert code == ExitCode.UNKNOWN
    assert out["status"] == "unknown" and out["claim"]["verdict"] == "unknown"
