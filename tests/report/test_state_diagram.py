"""The threshold-rnn state-transition diagram (``--plot``, ``--format html``): the graph is
held to transitions worked out by hand; the pictures (matplotlib, skipped without it)
carry the states and labels as SVG text, and a wrong claim's first wrong step in red."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

import verify
from verify.cli import main
from verify.report.plot.diagram import NODE, _on_curve, arrange, bend, layout
from verify.report.plot.transitions import SHOWN, Diagram, outcome_diagram

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD, BEHAVIOUR = ROOT / "specs/threshold", ROOT / "specs/behaviour"
WRONG = "#c0392b"
NEEDS_MPL = "--plot needs the optional extra verify[plot]"


def diagram_of(path: Path, **kw: object) -> Diagram:
    out = verify.check(path, **kw)
    found = outcome_diagram(out.answer.spec, out.to_json())
    assert found is not None
    return found


def edges(d: Diagram) -> dict[tuple[str, str], set[str]]:
    return {(e.source, e.target): set(e.labels) for e in d.edges}


# The published running-parity network (W = [[-1], [-2]], U = [[-1, 1], [-1, 1]], b = [1, 0],
# V = [[1, -1]], c = [-1], step z >= 0), by hand: z1 = -x - s1 + s2 + 1, z2 = -2x - s1 + s2,
# y = [s1 - s2 - 1 >= 0], i.e. y = 1 exactly in state 10.
#   00 --0--> z = (1, 0) -> 11, y 0      00 --1--> z = (0, -2) -> 10, y 1
#   11 --0--> z = (1, 0) -> 11, y 0      11 --1--> z = (0, -2) -> 10, y 1
#   10 --0--> z = (0, -1) -> 10, y 1     10 --1--> z = (-1, -3) -> 00, y 0
PARITY = {("00", "11"): {"0 / 0"}, ("00", "10"): {"1 / 1"}, ("11", "11"): {"0 / 0"},
          ("11", "10"): {"1 / 1"}, ("10", "10"): {"0 / 1"}, ("10", "00"): {"1 / 0"}}


@pytest.mark.parametrize("spec", [THRESHOLD / "running_parity.yaml",
                                  BEHAVIOUR / "parity_published.yaml"])
def test_parity_network_graph_is_the_hand_worked_one(spec):
    d = diagram_of(spec)
    assert d.what == "the claimed network (correct)"  # the claim's weights, not the tool's
    assert set(d.states) == {"00", "11", "10"} and d.starts == ("00",)
    assert edges(d) == PARITY
    assert not any(e.wrong for e in d.edges) and d.caption == ""
    assert d.reachable == 3 and d.inputs == ("0", "1") and d.outputs == "readout y"


def test_wrong_witness_marks_the_edge_of_the_first_wrong_output():
    # W = [[1], [1]], U = 0, b = 0, V = [[1, 0]], c = 0, strict: both units copy x, y = x.
    # On 0110 (wants 0100) t = 3 goes 11 --1--> 11 with y = 1 where 0 is wanted.
    d = diagram_of(THRESHOLD / "wrong_witness.yaml")
    assert d.what == "the claimed network (incorrect)"
    assert edges(d) == {("00", "00"): {"0 / 0"}, ("00", "11"): {"1 / 1"},
                        ("11", "00"): {"0 / 0"}, ("11", "11"): {"1 / 1"}}
    assert [(e.source, e.target) for e in d.edges if e.wrong] == [("11", "11")]
    assert d.caption.startswith("first wrong output: sequence 0, t = 3: in state 11 the "
                                "input 1 gives 1, the spec wants 0")


def test_wrong_behaviour_claim_marks_the_last_step_of_the_failing_string():
    # carry weight 1/2: from 110 on input 00, z = (1/2 - 1, 1 - 2, 1 - 3) < 0 -> 000 and
    # y = [-1 >= 0] = 0, where the adder (carry 1) wants 1
    d = diagram_of(BEHAVIOUR / "addition_half_carry.yaml")
    assert [(e.source, e.target, e.labels) for e in d.edges if e.wrong] == [
        ("110", "000", ("00 / 0",))]
    assert "on the string 11 00, t = 2" in d.caption
    assert d.inputs_from == "the behaviour's alphabet"


def shift_register(units: int) -> str:
    """s_1 = x, s_(i+1) = s_i, y = s_k (strict step, biases -1/2): y_t = x_(t-k+1)."""
    x = "01101001110001011"
    W = [[1]] + [[0]] * (units - 1)
    U = [[1 if j == i - 1 else 0 for j in range(units)] for i in range(units)]
    V = [[0] * (units - 1) + [1]]
    return (f"model: threshold-rnn\ninputs: 1\nunits: {units}\nreadout: 1\ns0: 0\n"
            f"sequences:\n  - input: '{x}'\n    output: '{('0' * (units - 1) + x)[:len(x)]}'\n"
            f"claim:\n  witness: {{W: {W}, U: {U}, b: {['-1/2'] * units}, V: {V}, "
            f"c: ['-1/2']}}\n")


def test_shift_register_reaches_every_state_each_edge_a_shift(tmp_path):
    spec = tmp_path / "shift4.yaml"
    spec.write_text(shift_register(4))
    d = diagram_of(spec)
    codes = {"".join(b) for b in itertools.product("01", repeat=4)}
    assert d.what == "the claimed network (correct)" and set(d.states) == codes
    # state abcd on input x goes to xabc and outputs y = c (the new s_4)
    want: dict[tuple[str, str], set[str]] = {}
    for s, x in itertools.product(sorted(codes), "01"):
        want.setdefault((s, x + s[:3]), set()).add(f"{x} / {s[2]}")
    assert edges(d) == want and "all 16 states" in d.reach_note


def test_more_than_32_states_are_cut_and_said(tmp_path):
    spec = tmp_path / "shift6.yaml"
    spec.write_text(shift_register(6))
    d = diagram_of(spec)
    assert len(d.states) == SHOWN and d.reachable == 64 and d.complete
    assert d.reach_note.startswith("(first 32 of 64 states)")
    assert all(e.source in d.states and e.target in d.states for e in d.edges)


def test_unrealizable_spec_has_no_diagram():
    out = verify.check(THRESHOLD / "d_latch_one_unit.yaml")
    assert out.status == "unrealizable"
    assert outcome_diagram(out.answer.spec, out.to_json()) is None


def test_no_arc_runs_under_another_node(tmp_path):
    spec = tmp_path / "shift4.yaml"
    spec.write_text(shift_register(4))
    d = diagram_of(spec)
    names = arrange(d)
    assert names[0] == "0000" and sorted(names) == sorted(d.states)
    where = dict(zip(names, layout(len(names))[0]))
    pairs = {(e.source, e.target) for e in d.edges}
    checked = 0
    for e in d.edges:
        if e.source == e.target:
            continue
        a, b = where[e.source], where[e.target]
        others = [c for c in where.values() if c not in (a, b)]
        rad = bend(a, b, (e.target, e.source) in pairs, e.source < e.target, others)
        gap = min(math.dist(_on_curve(a, b, t / 40, rad), c)
                  for t in range(1, 40) for c in others)
        assert gap > NODE, (e, gap)
        checked += 1
    assert checked == 30  # 32 transitions, two of them loops (0000 and 1111)


def test_plot_writes_diagrams_as_svg_text(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason=NEEDS_MPL)
    code = main(["check", "--plot", str(tmp_path), str(THRESHOLD / "running_parity.yaml"),
                 str(THRESHOLD / "wrong_witness.yaml"), str(THRESHOLD / "d_latch_one_unit.yaml")])
    capsys.readouterr()
    assert code == 1
    # the unrealizable spec has no network, so no picture
    assert sorted(p.name for p in tmp_path.iterdir()) == ["running_parity.svg",
                                                          "wrong_witness.svg"]
    right = (tmp_path / "running_parity.svg").read_text()
    for needle in (">00<", ">11<", ">10<", ">0 / 0<", ">1 / 1<", ">0 / 1<", ">1 / 0<",
                   "the claimed network (correct)", ">start<"):
        assert needle in right, needle
    assert WRONG not in right
    wrong = (tmp_path / "wrong_witness.svg").read_text()
    assert "first wrong output: sequence 0, t = 3" in wrong
    assert f"stroke: {WRONG}" in wrong  # the red edge


def test_html_inlines_the_diagram(capsys):
    pytest.importorskip("matplotlib", reason=NEEDS_MPL)
    code = main(["check", "--format", "html", str(THRESHOLD / "wrong_witness.yaml")])
    page = capsys.readouterr().out
    assert code == 1
    picture = page[page.index('<div class="picture">'):]
    assert picture.index("<svg") < picture.index("</svg>")
    assert "first wrong output: sequence 0, t = 3" in picture[:picture.index("</svg>")]
