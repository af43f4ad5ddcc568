"""A YAML mapping describes another signature: argument order, a dict of gradients, gate
order. Mistakes in it are usage errors naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradcheck_helpers import EXAMPLES

from verify.errors import SpecError
from verify.gradcheck.check import Request, check
from verify.gradcheck.mapping import load_mapping
from verify.gradcheck.usercode import load_code

USER = f'''import sys
sys.path.insert(0, {str(EXAMPLES)!r})
import numpy as np
import lstm_layers as L

def my_forward(x, Wx, Wh, b, prev_h, prev_c):
    H = prev_h.shape[1]
    perm = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]   # my blocks are i, f, g, o
    h, c, cache = L.lstm_step_forward(x, prev_h, prev_c, Wx[:, perm], Wh[:, perm], b[perm])
    return h, c, (cache, perm)

def my_backward(cache, dnext_h, dnext_c):
    cache, perm = cache
    dx, dh, dc, dWx, dWh, db = L.lstm_step_backward(dnext_h, dnext_c, cache)
    inv = np.argsort(perm)
    return {{"dWx": dWx[:, inv], "dWh": dWh[:, inv], "db": db[inv]}}, dx, dh, dc
'''

MAPPING = """cell: lstm
kind: step
layout: cs231n
gate_order: [i, f, g, o]
forward:  {name: my_forward,  args: [x, Wx, Wh, b, prev_h, prev_c], returns: [next_h, next_c, cache]}
backward: {name: my_backward, args: [cache, dnext_h, dnext_c], returns: [{dict: [dWx, dWh, db]}, dx, dprev_h, dprev_c]}
"""


def run(tmp_path: Path, mapping: str) -> str:
    (tmp_path / "mine.py").write_text(USER)
    (tmp_path / "map.yaml").write_text(mapping)
    lay = load_mapping(str(tmp_path / "map.yaml"))
    target = f"{tmp_path / 'mine.py'}:my_backward"
    report = check(Request(target, lay, "my_forward", 25, 60.0, shrink_seconds=1.0),
                   code=load_code(target, "my_forward"))
    found = [f for g in report.groups for f in g.findings]
    return report.status if not found else f"{report.status}: {found[0].kind} {found[0].name}"


def test_a_mapped_signature_with_its_own_gate_order_passes(tmp_path: Path) -> None:
    assert run(tmp_path, MAPPING) == "correct"


def test_the_gate_order_matters(tmp_path: Path) -> None:
    assert run(tmp_path, MAPPING.replace("[i, f, g, o]", "[i, f, o, g]")).startswith(
        "incorrect: forward")


@pytest.mark.parametrize("change, line, message", [
    (("dprev_c]}", "dprev_cc]}"), 6, "'dprev_cc' is not the gradient of a forward input"),
    (("args: [x, Wx", "args: [xx, Wx"), 5, "'xx' is not an argument"),
    (("cell: lstm", "cell: lsmt"), 1, "'lsmt' is not one of lstm, gru, rnn"),
    (("[i, f, g, o]", "[i, f, g, g]"), 4, "name each lstm gate once"),
    (("kind: step", "knid: step"), 2, "did you mean 'kind'"),
    (("returns: [next_h, next_c, cache]", "returns: [next_h, next_c]"), 6, "must return 'cache'"),
])
def test_mapping_errors_name_the_line(tmp_path: Path, change: tuple[str, str], line: int,
                                      message: str) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(MAPPING.replace(*change))
    with pytest.raises(SpecError, match=message) as info:
        load_mapping(str(path))
    assert info.value.line == line
