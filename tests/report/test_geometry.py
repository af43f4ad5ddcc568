"""The weight-space picture's content, without matplotlib: rows, labels, the feasible
polygon, the b = 0 case, the points. Expected regions are worked out by hand."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import verify
from verify.report.plot.geometry import in_plane, picture, region

SEED = Path(__file__).resolve().parents[2] / "specs" / "seed"


def rows_by_label(pic):
    return {r.label: r for r in pic.rows}


def test_q1a_seed_answer_region_and_points():
    pic = picture(verify.check(SEED / "q1a_seed_answer.yaml").answer)
    rows = rows_by_label(pic)
    # t=1..3 (x=0, s=0, out 0): b <= 0; t=4: w1 + b > 0; t=5,7: w2 + b > 0; t=6: w1+w2+b > 0
    assert set(rows) == {"t=1,2,3: b ≤ 0", "t=4: w1 + b > 0", "t=5,7: w2 + b > 0",
                         "t=6: w1 + w2 + b > 0"}
    assert rows["t=4: w1 + b > 0"].strict and not rows["t=1,2,3: b ≤ 0"].strict
    assert rows["t=1,2,3: b ≤ 0"].in_plane(1) == "none"
    assert rows["t=1,2,3: b ≤ 0"].in_plane(-1) == "all"
    assert region(list(pic.rows), 1, 3.0) == []
    # at b = -1: w1 > 1, w2 > 1 (and w1 + w2 > 1, implied): the square [1, 3]^2
    corners = {(round(x, 9), round(y, 9)) for x, y in region(list(pic.rows), -1, 3.0)}
    assert corners == {(1, 1), (3, 1), (3, 3), (1, 3)}
    # with b = 0 the rows ask w1 > 0, w2 > 0: possible
    assert pic.b_zero.startswith("b = 0: possible too")
    claimed = dict(pic.points)["the claimed witness (wrong)"]
    assert in_plane(claimed, -1) == (1.0, 2.0) and in_plane(claimed, 1) is None


def test_q1b_seed_answer_marks_certificate_and_claimed_rows():
    pic = picture(verify.check(SEED / "q1b_seed_answer.yaml").answer)
    rows = rows_by_label(pic)
    assert {r.label for r in pic.rows if r.certificate} == {"t=1: b > 0", "t=5,6: b ≤ 0"}
    assert {r.label for r in pic.rows if r.claimed} == {"t=4: w1 + w2 + b ≤ 0",
                                                       "t=7: w1 + b > 0"}
    assert region(list(pic.rows), 1, 3.0) == [] and region(list(pic.rows), -1, 3.0) == []
    # the claimed rows alone leave room at b = 1: w1 > -1 and w1 + w2 <= -1
    claimed = [r for r in pic.rows if r.claimed]
    assert region(claimed, 1, 3.0)
    assert dict(pic.points)["satisfies the claimed inequalities"] == (F(0), F(-1), F(1))
    assert pic.b_zero == "b = 0: impossible (t=1: b > 0 fails at b = 0)"
    assert rows["t=1: b > 0"].tag == "t=1"


def test_free_s0_rows_are_left_out_with_a_note():
    pic = picture(verify.check(SEED / "q1b_s0_free.yaml").answer)
    assert all(not r.label.startswith("t=1:") for r in pic.rows)
    assert any("free s0" in n for n in pic.notes)
