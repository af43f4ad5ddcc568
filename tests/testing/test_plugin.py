"""The pytest plugin: the README's test file runs under plain pytest and passes; the same
fixture on a buggy copy fails with verify's report (entry and hint)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "gradcheck"


def plugin_args() -> list[str]:
    """Nothing when the pytest11 entry point is installed (pip install of this checkout);
    an explicit -p when the environment was installed before the entry point existed."""
    installed = any(ep.value == "verify.testing.plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "verify.testing.plugin"]


def run_pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *plugin_args(), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_readme_shows_the_shipped_test_file() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```py\n# test_my_lstm.py\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks == [(EXAMPLES / "test_my_lstm.py").read_text()]


def test_the_course_test_file_passes_under_plain_pytest() -> None:
    proc = run_pytest("examples/gradcheck/test_my_lstm.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


def test_the_fixture_fails_a_buggy_backward_with_the_report(tmp_path: Path) -> None:
    test = tmp_path / "test_buggy.py"
    test.write_text(f"import sys\nsys.path.insert(0, {str(EXAMPLES)!r})\n"
                    "from bug_gate_output_derivative import lstm_step_backward, lstm_step_forward\n\n"
                    "def test_it(gradcheck):\n"
                    "    gradcheck(lstm_step_backward, forward=lstm_step_forward, examples=30,\n"
                    "              shrink_seconds=1)\n")
    proc = run_pytest(str(test))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "INCORRECT" in proc.stdout and "gate block i (input gate i)" in proc.stdout
    assert "not sigmoid(i) * (1 - sigmoid(i))" in proc.stdout
