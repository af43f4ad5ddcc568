"""The shipped threshold-rnn specs (their stated verdicts are held by test_specs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[3]
SPECS = sorted((ROOT / "specs" / "threshold").glob("*.yaml"))


def test_the_issue_asks_for_these_specs():
    names = {p.stem for p in SPECS}
    assert {"running_parity", "binary_addition", "sr_latch", "fewest_units"} <= names


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_answer_is_checked_and_names_its_weight_domain(path, capsys):
    main(["check", "--format", "json", str(path)])
    out = json.loads(capsys.readouterr().out)
    assert out["checked"] is True and out["model"] == "threshold-rnn"
    assert set(out["domain"]) == {"weights", "bias"}
