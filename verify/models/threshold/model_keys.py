"""Stage: spec. Keys that belong to the other threshold model, and what to write instead.

``step-rnn`` (one scalar unit) and ``threshold-rnn`` (the general network) share words but
not keys; a key of the other model is refused with a message naming that model, rather
than a bare "unknown key". Both loaders call :func:`refuse_foreign` before their own
key check.
"""

from __future__ import annotations

from verify.errors import SpecError
from verify.input.yamldoc import Node

# Keys of the other threshold model, and what to write instead (``THRESHOLD_KEYS``: the reverse).
STEP_RNN_KEYS = {
    "input": "threshold-rnn specs give examples under 'sequences:' "
             "(- input: [...], output: [...])",
    "output": "threshold-rnn specs give examples under 'sequences:' "
              "(- input: [...], output: [...])",
    "because": "a threshold-rnn claim is 'realizable: false' with 'units: k', or "
               "'fewest_units: k'; the tool finds the proof",
    "w1": "a threshold-rnn witness gives the matrices W, U, b (and V, c with a readout)",
    "w2": "a threshold-rnn witness gives the matrices W, U, b (and V, c with a readout)",
}
THRESHOLD_KEYS = {
    key: "write 'model: threshold-rnn' for several units, vector inputs, a readout or "
         "weight domains"
    for key in ("inputs", "units", "readout", "observe", "weights", "bias", "fixed",
                "behaviour", "hidden")
}
THRESHOLD_WITNESS_KEYS = {
    key: "a step-rnn witness gives w1, w2 and b (for matrices write 'model: threshold-rnn')"
    for key in ("W", "U", "V", "c")
}


def refuse_foreign(node: Node, foreign: dict[str, str], other_model: str) -> None:
    """A key of the other model gets a message saying so, not a bare 'unknown key'."""
    if not node.is_mapping:
        return
    for name, value in node.items():
        if name in foreign:
            key = f"{node.key}.{name}" if node.key else name
            raise SpecError(f"{name!r} belongs to model {other_model}; {foreign[name]}",
                            path=node.path, line=value.line, key=key)
