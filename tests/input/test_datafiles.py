"""verify.input.datafiles: the public readers of {file: ...} data (1-D numbers, 0/1 bits,
2-D tables). Expectations are written by hand from the file contents."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from verify.errors import SpecError
from verify.input.datafiles import read_bits, read_numbers, read_table
from verify.input.yamldoc import Node, parse_text


def _file_node(tmp_path: Path, name: str) -> Node:
    spec = tmp_path / "s.yaml"
    spec.write_text(f"input: {{file: {name}}}\n")
    return dict(parse_text(spec.read_text(), str(spec)).items())["input"]


def test_read_numbers_exact_decimals(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("0.1, -2\n1/3 1e3\n")
    series = read_numbers(_file_node(tmp_path, "x.csv"), tmp_path)
    assert series.exact_all() == [Fraction(1, 10), Fraction(-2), Fraction(1, 3), Fraction(1000)]


def test_read_bits_refuses_a_two(tmp_path: Path) -> None:
    (tmp_path / "y.csv").write_text("0,1,2\n")
    with pytest.raises(SpecError, match=r"element 3 \('2'\): outputs must be 0 or 1"):
        read_bits(_file_node(tmp_path, "y.csv"), tmp_path)
    (tmp_path / "z.csv").write_text("0 1\n1\n")
    assert read_bits(_file_node(tmp_path, "z.csv"), tmp_path).tolist() == [0, 1, 1]


def test_read_table_csv_rows_are_steps(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("1, 0.5\n\n-3, 1/3\n0 7\n")
    table = read_table(_file_node(tmp_path, "x.csv"), tmp_path)
    assert (table.rows, table.cols) == (3, 2)
    assert table.exact_rows() == ((1, Fraction(1, 2)), (-3, Fraction(1, 3)), (0, 7))
    assert table.column(1).exact_all() == [Fraction(1, 2), Fraction(1, 3), Fraction(7)]
    assert table.approx.shape == (3, 2) and table.approx[2, 1] == 7.0


def test_read_table_npy_2d_and_1d(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.array([[0.5, 1.0, -2.0], [0.25, 0.0, 3.0]]))
    table = read_table(_file_node(tmp_path, "m.npy"), tmp_path)
    assert (table.rows, table.cols) == (2, 3)
    assert table.row(1) == (Fraction(1, 4), Fraction(0), Fraction(3))
    np.save(tmp_path / "v.npy", np.array([4, 5], dtype=np.int32))
    column = read_table(_file_node(tmp_path, "v.npy"), tmp_path)
    assert (column.rows, column.cols) == (2, 1) and column.exact_rows() == ((4,), (5,))


def test_read_table_refuses_ragged_rows_and_3d(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("1, 2\n3\n")
    with pytest.raises(SpecError, match="row 2 has 1 entries but row 1 has 2"):
        read_table(_file_node(tmp_path, "r.csv"), tmp_path)
    np.save(tmp_path / "c.npy", np.zeros((2, 2, 2)))
    with pytest.raises(SpecError, match=r"shape \(2, 2, 2\); vector inputs are a 2-D array"):
        read_table(_file_node(tmp_path, "c.npy"), tmp_path)
