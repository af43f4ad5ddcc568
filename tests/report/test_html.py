"""`verify check --format html`: one self-contained page, rendered in a real headless
Chromium (skipped, with the reason, where no browser is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPECS = [ROOT / "specs/seed/q1a_seed_answer.yaml", ROOT / "specs/seed/q1b_seed_answer.yaml",
         ROOT / "specs/seed/q1b.yaml", ROOT / "specs/lstm/seed_answer2.yaml"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def html_report(capsys, *paths: Path) -> tuple[int, str]:
    code = main(["check", "--format", "html", "--examples", "30", *map(str, paths)])
    return code, capsys.readouterr().out


def test_page_is_self_contained_and_escaped(tmp_path, capsys):
    spec = tmp_path / "odd.yaml"
    spec.write_text("name: <script>alert(1)</script>\nmodel: step-rnn\ninput: '01'\n"
                    "output: '01'\n")
    code, page = html_report(capsys, spec, tmp_path / "missing.yaml")
    assert code == 2
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # nothing loaded from elsewhere: no src/href to other files or sites
    assert not re.search(r'(src|href)="(?!#)', page)
    assert page.count('<section class="spec"') == 2 and "1 error, 1 realizable" in page


def _browser() -> str | None:
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def test_report_renders_in_headless_chromium(tmp_path, capsys):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium/Chrome installed (Debian: apt-get install -y chromium)")
    code, page = html_report(capsys, *SPECS)
    assert code == 1
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000"]
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    dom = subprocess.run([browser, *flags, "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    # the page's own script ran in the browser and counted the sections it laid out
    assert f'data-sections="{len(SPECS)}"' in dom
    for i, spec in enumerate(SPECS):
        assert f'id="spec-{i}" data-spec="{spec}"' in dom
    assert "the claimed weights, w1 = 1, w2 = 2, b = -1, step by step:" in dom
    assert "in one line: 1 × [t=1: b &gt; 0] + 1 × [t=5: −b ≥ 0] ⇒ 0 &gt; 0" in dom


def test_page_without_matplotlib_says_how_to_get_pictures(tmp_path):
    import subprocess as sp
    import sys
    code = ("import sys; sys.modules['matplotlib'] = None\n"  # import matplotlib -> ImportError
            "from verify.cli import main\n"
            f"sys.exit(main(['check', '--format', 'html', {str(SPECS[2])!r}]))")
    done = sp.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                  check=False)
    assert done.returncode == 0
    assert "no picture: install matplotlib" in done.stdout and "<svg" not in done.stdout
    assert 'id="spec-0"' in done.stdout
