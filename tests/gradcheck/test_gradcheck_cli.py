"""`verify gradcheck` as a command: the user's code runs in a child process; a hang or a
segfault is a finding within --timeout; usage errors exit 2, running out of time 3."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from gradcheck_helpers import EXAMPLES, ROOT, check_in_process, run_cli, run_cli_json

from verify.cli import main
from verify.gradcheck.render import render_json, render_text

STEP = "examples/gradcheck/lstm_layers.py:lstm_step_backward"


def test_correct_step_exits_0_and_says_so() -> None:
    code, out, err = run_cli(STEP, "--examples", "20")
    assert code == 0, err
    assert "CORRECT" in out and "dWx" in out and "on 20 instances" in out


def test_buggy_step_json_names_gradient_entry_and_hint() -> None:
    report = render_json(check_in_process(
        "examples/gradcheck/bug_gate_output_derivative.py:lstm_step_backward"))
    json.dumps(report)  # plain JSON
    assert (report["status"], report["cell"], report["kind"], report["layout"]) == (
        "incorrect", "lstm", "step", "cs231n")
    assert report["forward"].endswith("lstm_step_forward")
    f = report["findings"][0]
    assert f["kind"] == "gradient" and f["name"] in {"dx", "dprev_h", "dWx", "dWh", "db"}
    assert len(f["entry"]) == 2 and f["got"] != f["expected"]
    assert f["instance"]["input"] != f["instance"]["hidden"]
    assert set(f["instance"]["arrays"]) >= {"x", "prev_h", "Wx", "dnext_h"}
    assert "pre-activation" in f["hint"]


def test_infinite_loop_is_a_finding_within_the_timeout() -> None:
    started = time.monotonic()
    code, report = run_cli_json("examples/gradcheck/bug_loops_forever.py:lstm_step_backward",
                                "--timeout", "4", timeout=60)
    assert time.monotonic() - started < 30  # 4 s, start-up and clean-up: not hung
    assert code == 1
    [f] = report["findings"]
    assert f["kind"] == "timeout" and f["function"].endswith("lstm_step_backward")


def test_segfault_is_a_finding_with_the_user_frame() -> None:
    code, report = run_cli_json("examples/gradcheck/bug_segfaults.py:lstm_step_backward",
                                "--timeout", "30")
    assert code == 1
    [f] = report["findings"]
    assert f["kind"] == "crash" and "SIGSEGV" in f["message"]
    assert f["function"].endswith("lstm_step_forward")
    assert f["frame"].startswith(str(Path("examples/gradcheck/bug_segfaults.py").resolve()))
    assert "in lstm_step_forward" in f["frame"]


def user_file(tmp_path: Path, source: str) -> Path:
    """``source`` as mine.py beside a copy of the correct example it may import from."""
    (tmp_path / "lstm_layers.py").write_text((EXAMPLES / "lstm_layers.py").read_text())
    user = tmp_path / "mine.py"
    user.write_text(source)
    return user


def test_raising_is_a_finding_with_the_last_user_frame(tmp_path: Path) -> None:
    user = user_file(tmp_path, "from lstm_layers import lstm_step_forward\n\n"
                     "def helper(cache):\n    return cache[99]\n\n"
                     "def lstm_step_backward(dnext_h, dnext_c, cache):\n"
                     "    return helper(cache)\n")
    code, report = run_cli_json(f"{user}:lstm_step_backward")
    assert code == 1
    [f] = report["findings"]
    assert f["kind"] == "raised" and "IndexError" in f["message"]
    assert f["frame"] == f"{user}:4 in helper: return cache[99]"


def test_slow_but_correct_code_runs_out_of_time_as_unknown(tmp_path: Path) -> None:
    user = user_file(tmp_path, "import time\nfrom lstm_layers import lstm_step_forward\n"
                     "from lstm_layers import lstm_step_backward as _b\n\n"
                     "def lstm_step_backward(dnext_h, dnext_c, cache):\n"
                     "    time.sleep(0.3)\n    return _b(dnext_h, dnext_c, cache)\n")
    code, report = run_cli_json(f"{user}:lstm_step_backward", "--timeout", "4")
    assert code == 3
    assert report["status"] == "unknown" and report["findings"] == []


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "examples/gradcheck/lstm_layers.py"]) == 2
    assert "file.py:function" in capsys.readouterr().err
    assert main(["gradcheck", "examples/gradcheck/no_such_file.py:f"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["gradcheck", STEP, "--layout", "dlai", "--cell", "gru"]) == 2
    assert "GRU" in capsys.readouterr().err
    assert main(["gradcheck", STEP, "--examples", "0", "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["status"] == "error"


def test_a_missing_function_is_a_usage_error() -> None:
    code, report = run_cli_json("examples/gradcheck/lstm_layers.py:no_such_function")
    assert code == 2 and "no_such_function" in report["error"]["message"]


def test_readme_example_is_what_the_tool_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's run: same title, findings and hint (the instance itself depends on how
    far shrinking gets in its time budget, so it is not compared; a short budget here)."""
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text()
    [(target, shown)] = re.findall(r"```\n\$ verify gradcheck (\S+)\n(.*?)```", readme,
                                   flags=re.DOTALL)
    report = check_in_process(target, examples=100)
    assert report.exit_code == 1
    out = render_text(report).splitlines()
    keep = [line for line in shown.splitlines()
            if line.startswith(("bug_", "  hint:")) or "the reference gradient gives" in line]
    assert len(keep) >= 3 and out[0] == keep[0]
    assert keep[-1] in out
    assert any("the reference gradient gives" in line for line in out)
