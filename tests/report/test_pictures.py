"""`verify check --plot DIR`: one picture per spec, SVG or PNG; a clear message without
matplotlib; LSTM heat maps show got − expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "specs" / "seed"


def test_plot_writes_one_svg_per_seed_spec(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs the optional extra verify[plot]")
    code = main(["check", "--plot", str(tmp_path), str(SEED)])
    err = capsys.readouterr().err
    assert code == 1 and "wrote 7 pictures" in err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.stem + ".svg" for p in SEED.glob("*.yaml"))
    svg = (tmp_path / "q1b_seed_answer.svg").read_text()
    # SVG text is text: the rows' labels, the certificate and claimed marks, b = 0
    for needle in ("t=4: w1 + w2 + b ≤ 0 (claimed)", "t=7: w1 + b &gt; 0 (claimed)",
                   "t=1: b &gt; 0 (certificate)", "b = 0: impossible", "plane b = -1"):
        assert needle in svg, needle


def test_plot_format_png_and_lstm_heat_map(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs the optional extra verify[plot]")
    code = main(["check", "--plot", str(tmp_path), "--plot-format", "png", "--examples", "30",
                 str(SEED / "q1a_seed_answer.yaml"), str(ROOT / "specs/lstm/seed_answer2.yaml"),
                 str(ROOT / "specs/lstm/correct_cell.yaml")])
    capsys.readouterr()
    assert code == 1
    # a correct LSTM spec has nothing wrong to draw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q1a_seed_answer.png",
                                                          "seed_answer2.png"]
    for p in tmp_path.iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_heat_map_arrays_of_a_transposed_matrix_are_a_mirror_pattern():
    from verify.models.lstm.render import display_arrays
    expected, got = display_arrays(str(ROOT / "specs/mistakes/transposed_dW.yaml"),
                                   "dW_f")
    assert expected.shape == got.shape == (4, 4)
    assert np.allclose(got, expected.T)  # outer(x, d) is outer(d, x) transposed
    diff = got - expected
    assert np.allclose(diff, -diff.T) and np.allclose(np.diag(diff), 0)
    assert np.max(np.abs(diff)) > 1e-6


def test_plot_without_matplotlib_says_how_to_install(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"  # import matplotlib -> ImportError
            "from verify.cli import main\n"
            f"sys.exit(main(['check', '--plot', {str(tmp_path)!r}, {str(SEED / 'q1a.yaml')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2
    assert "--plot needs matplotlib" in done.stderr
    assert "pip install 'verify[plot]'" in done.stderr
    assert list(tmp_path.iterdir()) == []
