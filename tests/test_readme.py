"""The README's example output is what the tool prints now."""

from __future__ import annotations

import os
import re
from pathlib import Path

from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_readme_examples_match_the_tool(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```\n\$ verify (check [^\n]*)\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "the README should show at least one real run"
    for command, shown in blocks:
        main(command.split())
        assert capsys.readouterr().out == shown, command
    assert os.path.exists(ROOT / ".ci" / "run")


def test_readme_python_examples_run(capsys):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own README, not input
    assert "dz_f" in capsys.readouterr().out
