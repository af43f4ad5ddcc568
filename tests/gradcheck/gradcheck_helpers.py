"""Run gradcheck on the shipped examples, in process (fast) or as a command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from verify.gradcheck.check import Report, Request, check
from verify.gradcheck.layouts import find_by_name, layout
from verify.gradcheck.usercode import load_code

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "gradcheck"


def check_in_process(target: str, *, layout_name: str = "cs231n", examples: int = 40,
                     cell: str | None = None, kind: str | None = None) -> Report:
    name = target.rpartition(":")[2]
    found = find_by_name(layout_name, name)
    lay = layout(layout_name, cell or (found[0] if found else "lstm"),
                 kind or (found[1] if found else "step"))
    forward = lay.forward.name
    return check(Request(target, lay, forward, examples, 60.0, shrink_seconds=1.0),
                 code=load_code(target, forward))


def run_cli(*args: str, timeout: float = 120) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "verify", "gradcheck", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def run_cli_json(*args: str, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli(*args, "--format", "json", timeout=timeout)
    assert out.count("\n") == 1, (out, err)
    return code, json.loads(out)
