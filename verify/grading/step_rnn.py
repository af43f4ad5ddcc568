"""Stage: grading (question kind ``step-rnn``). Judge claimed witnesses, arguments and
verdicts with the existing claims machinery (:mod:`verify.models.threshold.claims`), whose
findings are re-checked by the trusted checker.

The spec is loaded, compiled, solved and re-checked once, in :func:`prepare`; an answer is
exactly a spec's ``claim:`` mapping (``realizable``, ``witness``, ``because``) and is read by
the spec loader's own claim reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from verify.errors import SpecError
from verify.grading.assignment import check_components
from verify.grading.question import Component, Part, Question, QuestionConfig, QuestionGrade
from verify.input.yamldoc import Node
from verify.linear.result import Result, Verdict
from verify.models.threshold import render
from verify.models.threshold.claims import judge
from verify.models.threshold.compile import StepTable, compile_spec
from verify.models.threshold.load import _claim as read_claim  # the spec's own claim reader
from verify.models.threshold.load import load_rnn_spec
from verify.models.threshold.pipeline import recheck
from verify.models.threshold.reduce import reduce_table
from verify.models.threshold.solve import solve
from verify.models.threshold.spec import Claim, RnnSpec
from verify.trusted import checker

SOLVER = "z3"


@dataclass
class StepRnnQuestion(Question):
    config: QuestionConfig
    spec: RnnSpec
    table: StepTable
    result: Result
    solution: tuple[str, ...]  # the tool's own answer, as text (for feedback level full)
    marks: tuple[str, ...]     # strings of it that must not appear below full
    fingerprint: str = ""

    @property
    def realizable(self) -> bool:
        return self.result.verdict is Verdict.REALIZABLE

    # -- answers --------------------------------------------------------------------------
    def read(self, node: Node) -> Claim:
        if node.is_null:
            raise node.error("the answer is empty; give 'realizable: true or false' (with "
                             "'witness: {w1: ..., w2: ..., b: ...}' or 'because: [...]')")
        return read_claim(node, len(self.spec.sequences))

    def parts(self, answer: Claim) -> list[Part]:
        return [Part(_key(answer), answer)]

    def judge(self, part: Part, timeout: float | None) -> dict[str, Any]:
        claim: Claim = part.payload
        j = judge(replace(self.spec, claim=claim), self.table, self.result, SOLVER, timeout)
        return {"verdict": j.verdict, "reason": j.reason, "details": _plain(j.details),
                "points": list(j.points), "summary": j.summary}

    def echo(self, answer: Claim) -> dict[str, Any]:
        out: dict[str, Any] = {"realizable": answer.realizable}
        if answer.witness is not None:
            out["witness"] = {p: str(v) for p, v in answer.witness.items()}
            if answer.witness_s0 is not None:
                out["witness"]["s0"] = list(answer.witness_s0)
        if answer.because is not None:
            out["because"] = [q.text for q in answer.because]
        return out

    def identity(self, answer: Claim) -> str:
        """Weights up to a positive scale, inequalities up to order and positive factors."""
        out: dict[str, Any] = {"realizable": answer.realizable}
        if answer.witness is not None:
            values = [answer.witness[p] for p in self.spec.params]
            out["witness"] = [str(v) for v in _scaled(values)]
            out["s0"] = answer.witness_s0
        if answer.because is not None:
            rows = set()
            for q in answer.because:
                coeffs, const, strict = checker.canonical(q, self.spec.params)
                rows.add((tuple(str(v) for v in _scaled([*coeffs, const])), strict))
            out["because"] = sorted(rows)
        return json.dumps(out, sort_keys=True)

    def solution_marks(self) -> list[str]:
        return list(self.marks)

    # -- scoring --------------------------------------------------------------------------
    def grade(self, answer: Claim, results: dict[str, dict[str, Any]]) -> QuestionGrade:
        r = results[_key(answer)]
        verdict_ok = answer.realizable == self.realizable
        parts = [("verdict", "correct" if verdict_ok else "wrong-verdict")]
        if self.config.expect != "verdict":
            parts.append((self.config.expect, self._evidence(answer, r, verdict_ok)))
        components = []
        for name, reason in parts:
            verdict = ("correct" if reason == "correct" else
                       "unknown" if reason == "undecided" else "incorrect")
            cap = self.config.credit_of(name)
            components.append(Component(name, cap, verdict, reason,
                                        cap if verdict == "correct" else Fraction(0)))
        reason = next((c.reason for c in components if c.reason != "correct"), "correct")
        return QuestionGrade(tuple(components), reason, self._feedback(answer, r, components))

    def _evidence(self, answer: Claim, r: dict[str, Any], verdict_ok: bool) -> str:
        if not verdict_ok:
            return "wrong-verdict"
        if self.realizable:
            if answer.witness is None:
                return "missing-witness"
        elif answer.because is None:
            return "missing-argument"
        if r["verdict"] == "correct":
            return "correct"
        if r["verdict"] == "unknown":
            return "undecided"
        if self.realizable:
            return "witness-fails-at-step" if "failure" in r["details"] else "witness-wrong-s0"
        required = all(q["required_at"] is not None for q in r["details"]["inequalities"])
        return "argument-satisfiable" if required else "argument-not-required"

    def _feedback(self, answer: Claim, r: dict[str, Any],
                  components: list[Component]) -> dict[str, tuple[str, ...]]:
        wrong = [c for c in components if c.reason != "correct"]
        # an evidence component lost to a wrong conclusion needs no second line
        category = tuple(f"{c.name}: {CATEGORY[c.reason]}" for c in wrong
                         if c.name == "verdict" or c.reason != "wrong-verdict")
        locate: list[str] = []
        full: list[str] = []
        reasons = {c.reason for c in wrong}
        if reasons & {"witness-fails-at-step", "witness-wrong-s0"}:
            # the student's own weights, step by step: the step and z, never our witness
            locate.append(r["reason"].split(" (the spec is realizable")[0])
        if reasons & {"argument-not-required", "argument-satisfiable"}:
            for line in r["points"]:
                # "together they are (not) contradictory: <weights or multipliers>": the
                # weights are the tool's, so the location stops at the colon
                locate.append(line.split(":")[0] if line.startswith("together") else line)
            full.extend(line for line in r["points"] if line.startswith("together"))
        if wrong:
            full.append("the checker's own answer:")
            full.extend("  " + line for line in self.solution)
        return {"category": category, "locate": tuple(locate), "full": tuple(full)}


CATEGORY = {
    "wrong-verdict": "your conclusion (realizable or not) is wrong",
    "missing-witness": "the spec is realizable, and your answer gives no weights "
                       "(witness: {w1: ..., w2: ..., b: ...})",
    "missing-argument": "your answer gives no argument (because: [...inequalities...])",
    "witness-fails-at-step": "your weights fail at some step",
    "witness-wrong-s0": "your witness sets s0 to a value the spec does not allow",
    "argument-not-required": "one of your inequalities is not what any step requires",
    "argument-satisfiable": "each of your inequalities is required, but together they are "
                            "not contradictory",
    "undecided": "the checker could not decide this within its limits (not counted against "
                 "you; ask your instructor)",
}


def _key(answer: Claim) -> str:
    """Exact content: the judgement (and its messages, which quote the student) follow."""
    return json.dumps({"r": answer.realizable,
                       "w": None if answer.witness is None else
                       {p: str(v) for p, v in sorted(answer.witness.items())},
                       "s0": answer.witness_s0,
                       "b": None if answer.because is None else
                       [q.text for q in answer.because]}, sort_keys=True)


def _scaled(values: list[Fraction]) -> list[Fraction]:
    top = max((abs(v) for v in values), default=Fraction(0))
    return values if top == 0 else [v / top for v in values]


def _plain(value: Any) -> Any:
    """JSON-able copy (Fractions as strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return str(value)
    return value


def prepare(config: QuestionConfig, spec_root: Node, qnode: Node) -> StepRnnQuestion:
    """Load, compile, solve and re-check the spec once."""
    if config.expect == "formulas":
        raise qnode.error(f"{config.qid}: a step-rnn question expects witness, argument or "
                          "verdict, not formulas", key=f"{qnode.key}.expect")
    allowed = {"verdict"} | ({config.expect} if config.expect != "verdict" else set())
    check_components(config, allowed, qnode)
    spec = load_rnn_spec(spec_root)
    if spec.claim is not None:
        raise SpecError("the question's spec has a 'claim:'; answers come from the "
                        "submissions: remove it", path=spec_root.path,
                        line=spec.claim.line, key="claim")
    table = compile_spec(spec)
    result = solve(reduce_table(table), SOLVER, None)
    recheck(spec, result)
    if result.verdict is Verdict.UNKNOWN:
        raise spec_root.error(f"{config.qid}: the solver could not decide this spec, so "
                              "answers to it cannot be graded")
    if config.expect == "witness" and result.verdict is Verdict.UNREALIZABLE:
        raise qnode.error(f"{config.qid} expects a witness, but the spec is unrealizable "
                          "(no weights exist): use expect: argument or verdict",
                          key=f"{qnode.key}.expect")
    text = render.to_text(spec, table, result, None).splitlines()
    solution = tuple(line[2:] for line in text[2:] if not line.startswith("  (solved"))
    marks: list[str] = []
    if result.witness is not None:
        marks.append(", ".join(f"{p} = {v}" for p, v in result.witness.values.items()))
    marks.extend(line.split("in one line: ", 1)[1] for line in solution
                 if line.startswith("in one line: "))
    fingerprint = repr((result.verdict, result.witness, result.proof))
    return StepRnnQuestion(config, spec, table, result, solution, tuple(marks), fingerprint)
