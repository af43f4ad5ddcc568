"""What a new user meets first: --version, directories, plurals, hidden files, ambiguous
quoted digits, tabs, LaTeX relations, and an LSTM `unknown` that says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify import __version__
from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]
OK_SPEC = "model: step-rnn\ninput: '01'\noutput: '01'\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version_prints_the_package_version():
    done = subprocess.run([sys.executable, "-m", "verify", "--version"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"verify {__version__}"
    assert (ROOT / "pyproject.toml").read_text().count(f'version = "{__version__}"') == 1


def test_a_run_with_two_errors_says_errors(tmp_path, capsys):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("model: step-rnn\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 2 and out.splitlines()[-1] == "2 specs: 2 errors"
    (tmp_path / "b.yaml").write_text(OK_SPEC)
    _, out, _ = run(capsys, "check", str(tmp_path))
    assert out.splitlines()[-1] == "2 specs: 1 error, 1 realizable"


def test_directory_search_skips_hidden_files_and_folders(tmp_path, capsys):
    for rel in ("a.yaml", "sub/b.yml", ".c.yaml", ".git/d.yaml", "sub/.cache/e.yaml",
                "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(OK_SPEC)
    (tmp_path / "dir.yaml").mkdir()  # a folder named like a spec is searched, not read
    (tmp_path / "dir.yaml" / "f.yaml").write_text(OK_SPEC)
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    found = sorted(Path(json.loads(ln)["spec"]).relative_to(tmp_path).as_posix()
                   for ln in out.splitlines())
    assert code == 0 and found == ["a.yaml", "dir.yaml/f.yaml", "sub/b.yml"]


def test_a_directory_read_as_a_spec_says_directory(tmp_path):
    from verify.cli import check_one
    from verify.outcome import Options
    out = check_one(str(tmp_path), Options())
    assert out.status == "error" and "this is a directory, not a spec file" in out.text
    assert "cannot read the file" not in out.text


@pytest.mark.parametrize(("body", "where"), [
    ('input: ["01", "10"]\noutput: [0, 1]\n', "s.yaml:2: input[0]: the quoted \"01\""),
    ("input: [0, 1]\noutput: ['0', '01']\n", "s.yaml:3: output[1]: the quoted \"01\"")])
def test_quoted_digit_strings_inside_a_list_are_refused(tmp_path, capsys, body, where):
    (tmp_path / "s.yaml").write_text("model: step-rnn\n" + body)
    code, out, _ = run(capsys, "check", str(tmp_path / "s.yaml"))
    assert code == 2 and where in out and "inside a list is ambiguous" in out


def test_quoted_single_digits_and_rationals_in_a_list_still_read(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("model: step-rnn\ninput: ['0', '1/3', 1]\n"
                                     "output: [0, 0, 1]\n")
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path / "s.yaml"))
    assert code == 0 and json.loads(out)["status"] == "realizable"


def test_tab_indentation_says_tab(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("model: step-rnn\ninput: '01'\noutput: '01'\n"
                                     "claim:\n\trealizable: true\n")
    code, out, _ = run(capsys, "check", str(tmp_path / "s.yaml"))
    assert code == 2 and "s.yaml:5: a tab character in the indentation" in out


@pytest.mark.parametrize("quoted", ["'w1 + b \\le 0'", '"w1 + b \\\\le 0"'])
def test_latex_relation_is_quoted_with_one_backslash(tmp_path, capsys, quoted):
    (tmp_path / "s.yaml").write_text(
        "model: step-rnn\ninput: '01'\noutput: '01'\n"
        f"claim:\n  realizable: false\n  because: [{quoted}]\n")
    code, out, _ = run(capsys, "check", str(tmp_path / "s.yaml"))
    assert code == 2
    assert "in 'w1 + b \\le 0', column 8: unexpected \\le (LaTeX): write the relation as" in out
    assert "\\\\" not in out


def test_latex_in_double_quotes_is_explained(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(
        "model: step-rnn\ninput: '01'\noutput: '01'\n"
        'claim:\n  realizable: false\n  because: ["w1 + b \\le 0"]\n')
    code, out, _ = run(capsys, "check", str(tmp_path / "s.yaml"))
    assert code == 2 and "a backslash starts an escape, and \\le is not one" in out


def test_an_lstm_unknown_has_a_reason(capsys):
    pytest.importorskip("hypothesis")
    # a tiny timeout stops drawing before 10**6 instances: the correct claims are unknown
    code, out, _ = run(capsys, "check", "--format", "json", "--timeout", "5",
                       "--examples", "1000000", str(ROOT / "specs/lstm/correct_cell.yaml"))
    payload = json.loads(out)
    assert code == 3 and payload["status"] == "unknown"
    assert payload["reason"].startswith("agreed on all") and "before the time limit" in \
        payload["reason"]


def test_readme_documents_the_options_keys_and_names_a_new_user_meets():
    readme = (ROOT / "README.md").read_text()
    for needle in ("`--examples N`", "description:", "`tanh_c`", "--version",
                   "hidden files and folders below it", "files named `*.yaml` or `*.yml`",
                   "`input: [\"01\", \"10\"]`) is refused as ambiguous"):
        assert needle in readme, needle


def test_the_documented_exit_code_order_is_the_one_the_tool_uses():
    from verify.cli import combine
    from verify.errors import ExitCode
    readme = (ROOT / "README.md").read_text()
    stated = ("4 (internal error) over 2 (spec error) over 3 (unknown) over\n"
              "1 (incorrect claim) over 0")
    assert stated in readme
    order = [4, 2, 3, 1, 0]
    for i, hi in enumerate(order):
        for lo in order[i:]:
            assert combine([ExitCode(lo), ExitCode(hi), ExitCode(lo)]) == hi
