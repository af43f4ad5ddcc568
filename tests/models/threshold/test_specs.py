"""Every shipped step-RNN spec states, in its first comment, the verdict the tool gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[3]
SPECS = sorted([*(ROOT / "specs" / "seed").glob("*.yaml"),
                *(ROOT / "specs" / "examples").glob("*.yaml"),
                *(ROOT / "specs" / "threshold").glob("*.yaml")])
STATED = re.compile(r"# verify check: (REALIZABLE|UNREALIZABLE)(?:; claim (CORRECT|INCORRECT))?")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_stated_verdict_is_what_the_tool_gives(path, capsys):
    match = STATED.search(path.read_text())
    assert match, f"{path.name} should state its verdict in a '# verify check:' comment"
    code = main(["check", "--format", "json", str(path)])
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == match.group(1).lower()
    stated_claim = match.group(2).lower() if match.group(2) else None
    assert out.get("claim", {}).get("verdict") == stated_claim
    assert code == (1 if match.group(2) == "INCORRECT" else 0)
