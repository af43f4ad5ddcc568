"""Stage: result (step RNN). The typed answer for library users (``Outcome.answer``).

The JSON payload is the contract for programs in other languages; Python callers of
:func:`verify.check` get these objects instead: exact ``Fraction`` weights, certificate rows
with their multipliers, and the judgement of a claim with its trace. Nothing here is
recomputed: it is what the pipeline produced and the trusted checker re-checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verify.linear.result import Certificate, CitedRow, Proof, Result, Witness
from verify.models.threshold.claims import Judgement
from verify.models.threshold.compile import StepTable
from verify.models.threshold.spec import RnnSpec


@dataclass(frozen=True)
class StepRnnAnswer:
    spec: RnnSpec
    table: StepTable
    result: Result
    claim: Judgement | None
    """The judgement of the spec's ``claim:`` (verdict, reason, trace), or None."""

    @property
    def verdict(self) -> str:
        """``realizable``, ``unrealizable`` or ``unknown``."""
        return self.result.verdict.value

    @property
    def witness(self) -> Witness | None:
        """Exact weights (``.values``: w1, w2, b as Fractions) and each sequence's ``.s0``."""
        return self.result.witness

    @property
    def weights(self) -> dict[str, Fraction] | None:
        return None if self.result.witness is None else dict(self.result.witness.values)

    @property
    def proof(self) -> Proof | None:
        """A :class:`Certificate` (rows adding up to 0 > 0) or a :class:`Split` on a free s0."""
        return self.result.proof

    @property
    def certificate_rows(self) -> tuple[CitedRow, ...]:
        """Every row the proof cites (through every case of a split), in order."""
        rows: list[CitedRow] = []
        stack: list[Proof] = [] if self.result.proof is None else [self.result.proof]
        while stack:
            proof = stack.pop(0)
            if isinstance(proof, Certificate):
                rows.extend(proof.rows)
            else:
                stack[:0] = [sub for _, sub in proof.cases]
        return tuple(rows)
