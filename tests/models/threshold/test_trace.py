"""A claimed witness is run with its own weights, in text and JSON; a `because` claim shows
each inequality beside the step it was matched to. Expected z values are worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

from verify.cli import main

Q1A = "input: [0, 0, 0, 1, 0, 1, 0]\noutput: [0, 0, 0, 1, 1, 1, 1]\n"


def check(tmp_path: Path, capsys, body: str, fmt: str = "json"):
    path = tmp_path / "spec.yaml"
    path.write_text("model: step-rnn\n" + body)
    code = main(["check", "--format", fmt, str(path)])
    out = capsys.readouterr().out
    return code, (json.loads(out) if fmt == "json" else out)


def test_a_correct_claim_is_traced_with_its_own_weights(tmp_path, capsys):
    body = Q1A + "claim: {realizable: true, witness: {w1: 2, w2: 3, b: -1}}\n"
    code, out = check(tmp_path, capsys, body)
    trace = out["claim"]["trace"]
    assert code == 0 and out["claim"]["verdict"] == "correct"
    assert trace["weights"] == {"w1": "2", "w2": "3", "b": "-1"}
    # z = 2x + 3s - 1 with s the previous output: by hand
    assert [r["z"] for r in trace["rows"]] == ["-1", "-1", "-1", "1", "2", "4", "2"]
    assert trace["first_failure"] is None and trace["complete"]
    _, text = check(tmp_path, capsys, body, "text")
    assert "the claimed weights, w1 = 2, w2 = 3, b = -1, step by step:" in text
    assert "       6         1        1          4    1     1" in text
    # the solver's own witness is named but its table (z = 2 at t=6 for 1, 1, 0) is not shown
    assert "the tool's answer: REALIZABLE" in text and text.count("x_t  s_(t-1)") == 1


def test_a_wrong_claim_marks_the_first_failure_and_runs_on_its_own_state(tmp_path, capsys):
    body = Q1A + "claim: {realizable: true, witness: {w1: 1, w2: 2, b: -1}}\n"
    code, out = check(tmp_path, capsys, body)
    trace = out["claim"]["trace"]
    assert code == 1
    assert trace["first_failure"] == {"sequence": 0, "t": 4}
    # after t=4 the network's own state is 0 (not the wanted 1): z = x - 1
    assert [r["s_prev"] for r in trace["rows"]] == [0, 0, 0, 0, 0, 0, 0]
    assert [r["z"] for r in trace["rows"]] == ["-1", "-1", "-1", "0", "-1", "0", "-1"]
    _, text = check(tmp_path, capsys, body, "text")
    lines = text.splitlines()
    marked = [ln for ln in lines if "✗" in ln]
    assert marked[0].split()[0] == "4" and marked[0].endswith("✗ first wrong output")
    assert len(marked) == 4
    # the claim's verdict comes before the tool's own answer and its table
    assert text.index("claim: INCORRECT") < text.index("the tool's answer: REALIZABLE")
    assert text.count("x_t  s_(t-1)") == 2


def test_a_long_spec_shows_a_window_around_the_failure(tmp_path, capsys):
    n, fail = 100, 60  # output 1 from t=60 on; the claim w1 = 0, b = -1 never fires
    ins = [0] * n
    ins[fail - 1] = 1
    outs = [0] * (fail - 1) + [1] * (n - fail + 1)
    body = (f"input: {ins}\noutput: {outs}\n"
            "claim: {realizable: true, witness: {w1: 0, w2: 5, b: -1}}\n")
    code, out = check(tmp_path, capsys, body)
    trace = out["claim"]["trace"]
    assert code == 1 and not trace["complete"] and trace["steps"] == n
    assert [r["t"] for r in trace["rows"]] == [1, 2, 3, *range(57, 65)]
    _, text = check(tmp_path, capsys, body, "text")
    assert "     …" in text and f"{n - 11} more steps not shown" in text


def test_because_claims_show_the_matched_step_rows(tmp_path, capsys):
    body = ("input: [0, 0, 0, 1, 0, 0, 1, 0]\noutput: [1, 1, 1, 0, 0, 0, 1, 1]\n"
            "claim: {realizable: false, because: ['w1 + w2 + b <= 0', 'w1 + b > 0', "
            "'w2 > 0']}\n")
    _, out = check(tmp_path, capsys, body)
    steps = [i.get("step") for i in out["claim"]["inequalities"]]
    # t=4: x=1, s_prev=1, output 0 requires -(1, 1, 1) >= 0; t=7: x=1, s_prev=0, output 1
    assert steps[0] == {"x": "1", "s_prev": 1, "output": 0, "requires": {
        "coefficients": {"w1": "-1", "w2": "-1", "b": "-1"}, "relation": ">="}}
    assert steps[1]["requires"]["coefficients"] == {"w1": "1", "w2": "0", "b": "1"}
    assert steps[2] is None
    _, text = check(tmp_path, capsys, body, "text")
    rows = {ln.strip().split("   ")[0]: ln for ln in text.splitlines()
            if ln.startswith("    w")}
    assert rows["w1 + w2 + b <= 0"].endswith("t=4        1        1     0   −w1 − w2 − b ≥ 0")
    assert rows["w1 + b > 0"].endswith("t=7        1        0     1   w1 + b > 0")
    assert rows["w2 > 0"].endswith("(no step requires it)")
