"""Stage: grading (question kind ``lstm-cell``). Judge claimed LSTM gradient formulas with
the formula checker of :mod:`verify.models.lstm`, cheaply enough for a class.

Three things make a formula answer cost milliseconds instead of a spec check's second:

* the instances are drawn and their reference passes computed once per question
  (:func:`verify.models.lstm.batch.prepare`), and every formula is evaluated on all of
  them at once, with ``verify check``'s verdicts and counterexamples;
* an answer is split per target, and a part's key is its normalised formula (the parsed
  tree of the claim and of the defines it reads), so each distinct formula is judged once
  per question, however many students wrote it;
* judging goes through :class:`FormulaJudge`, a seam where another judge can plug in
  without touching the grading flow.

Float64 comparisons, like the checker it reuses: "correct" means "agreed on every drawn
instance".
"""

from __future__ import annotations

import ast
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from verify.errors import SpecError
from verify.grading.assignment import check_components
from verify.grading.question import Component, Part, Question, QuestionConfig, QuestionGrade
from verify.input.yamldoc import Node
from verify.models.lstm import formula
from verify.models.lstm.batch import hypothesis_storage_elsewhere
from verify.models.lstm.batch import prepare as prepare_batch
from verify.models.lstm.formula_spec import Entry, FormulaSpec, load_spec
from verify.models.lstm.instance import TARGETS
from verify.outcome import Options

SPEC_KEYS = {"model", "name", "description", "define"}


class FormulaJudge(Protocol):
    """The seam: judge one claimed formula; returns the checker's per-target verdict dict
    (``verdict``, ``reason``, ``counterexample``, ``hint``) as ``verify check`` reports it."""

    def __call__(self, spec: FormulaSpec, entry: Entry,
                 deadline: float | None) -> dict[str, Any]: ...


@dataclass
class BatchJudge:
    """The batched formula checker (``verify.models.lstm.batch``): one prepared instance set
    per question, every formula judged on it at once, with ``verify check``'s verdicts."""

    prepared: Any

    def __call__(self, spec: FormulaSpec, entry: Entry,
                 deadline: float | None) -> dict[str, Any]:
        with hypothesis_storage_elsewhere():
            result: dict[str, Any] = formula.judge_entry(self.prepared, spec, entry, deadline)
            return result


def default_judge(spec: FormulaSpec, options: Options) -> FormulaJudge:
    """The batched judge, its instances drawn once per question."""
    with hypothesis_storage_elsewhere():
        return BatchJudge(prepare_batch(spec.layout, options))


@dataclass(frozen=True)
class FormulaAnswer:
    defines: tuple[tuple[str, str], ...]        # the student's own helper definitions
    claims: tuple[tuple[str, str], ...]         # target -> formula text, readable ones
    unreadable: tuple[tuple[str, str], ...]     # target -> why it could not be read
    keys: tuple[tuple[str, str], ...] = ()      # target -> normalised part key


@dataclass
class LstmQuestion(Question):
    config: QuestionConfig
    path: str
    defines: tuple[tuple[str, str], ...]  # the spec's define: (name, formula text)
    judge_formula: FormulaJudge
    fingerprint: str = ""
    targets: tuple[str, ...] = field(default=())
    _memo: dict[Any, tuple[bool, str]] = field(default_factory=dict, repr=False)

    grades_failures = True  # one runaway target does not cost the other targets

    # -- answers --------------------------------------------------------------------------
    def read(self, node: Node) -> FormulaAnswer:
        fields = node.mapping(allowed={*self.targets, "define"}) if node.is_mapping else None
        if fields is None:
            raise node.error(f"expected the formulas as 'target: formula' lines for "
                             f"{', '.join(self.targets)}")
        student_defines: tuple[tuple[str, str], ...] = ()
        if "define" in fields and not fields["define"].is_null:
            student_defines = tuple((k, v.text()) for k, v in fields["define"].items())
        defines = (*self.defines, *student_defines)
        # a define the student got wrong makes nothing readable: check them on their own
        ok, problem = self._checked(node, defines, None, "")
        if not ok:
            raise node.error(problem)
        claims, unreadable, keys = [], [], []
        for target in self.targets:
            if target not in fields:
                continue
            text = fields[target].text() if fields[target].is_scalar else ""
            ok, found = self._checked(fields[target], defines, target, text)
            if not ok:
                unreadable.append((target, f"line {fields[target].line}: {found}"))
                continue
            claims.append((target, text))
            keys.append((target, found))
        return FormulaAnswer(student_defines, tuple(claims), tuple(unreadable), tuple(keys))

    def _checked(self, at: Node, defines: tuple[tuple[str, str], ...], target: str | None,
                 text: str) -> tuple[bool, str]:
        """(True, the normalised key) for a readable claim (or defines alone), (False, the
        checker's message) for an unreadable one. Memoised by content: a
        class writes the same few formulas hundreds of times, and the checker's loader
        evaluates each one at the largest sizes."""
        memo_key = (defines, target, text)
        if memo_key not in self._memo:
            try:
                spec = _load(at.path, defines, () if target is None else ((target, text),), at)
                self._memo[memo_key] = (True, "" if target is None
                                        else _normalised(spec, spec.claims[0]))
            except SpecError as err:
                self._memo[memo_key] = (False, err.message)
        return self._memo[memo_key]

    def parts(self, answer: FormulaAnswer) -> list[Part]:
        keys = dict(answer.keys)
        defines = (*self.defines, *answer.defines)
        return [Part(keys[t], (defines, t, text)) for t, text in answer.claims]

    def judge(self, part: Part, timeout: float | None) -> dict[str, Any]:
        defines, target, text = part.payload
        spec = _load(self.path, defines, ((target, text),), None)
        deadline = None if timeout is None else time.monotonic() + timeout
        return self.judge_formula(spec, spec.claims[0], deadline)

    def echo(self, answer: FormulaAnswer) -> dict[str, Any]:
        out: dict[str, Any] = dict(answer.claims)
        out.update({t: None for t, _ in answer.unreadable})
        if answer.defines:
            out["define"] = dict(answer.defines)
        return out

    def identity(self, answer: FormulaAnswer) -> str:
        return json.dumps(sorted(answer.keys))

    # -- scoring --------------------------------------------------------------------------
    def grade(self, answer: FormulaAnswer, results: dict[str, dict[str, Any]]) -> QuestionGrade:
        keys = dict(answer.keys)
        bad = dict(answer.unreadable)
        components, always, category, locate, full = [], [], [], [], []
        for target in self.targets:
            cap = self.config.credit_of(target)
            if target in bad:
                components.append(Component(target, cap, "unreadable", "unreadable"))
                always.append(f"{target}: your formula could not be read: {bad[target]}")
                continue
            if target not in keys:
                components.append(Component(target, cap, "unanswered", "unanswered"))
                category.append(f"{target}: not answered")
                continue
            r = results[keys[target]]
            if r["verdict"] == "correct":
                components.append(Component(target, cap, "correct", "correct", cap))
                continue
            if r["verdict"] in ("timeout", "error"):
                components.append(Component(target, cap, r["verdict"], "timeout"
                                            if r["verdict"] == "timeout" else "internal-error"))
                always.append(f"{target}: {r['message']}")
                continue
            if r["verdict"] == "unknown":
                components.append(Component(target, cap, "unknown", "undecided"))
                category.append(f"{target}: could not be decided in time (ask your instructor)")
                continue
            shape = r["reason"].startswith("shape mismatch")
            components.append(Component(target, cap, "incorrect",
                                        "formula-shape" if shape else "formula-wrong-value"))
            category.append(f"{target}: your formula " + (
                "gives an array of the wrong shape" if shape else "gives wrong values"))
            locate.append(f"{target}: " + _where(r, shape))
            if r.get("hint"):
                locate.append(f"{target}: likely mistake: {r['hint']}")
            full.append(f"{target}: {r['reason']}")
            cex = r["counterexample"]
            full.append(f"{target}: on this instance {json.dumps(cex['values'])}, expected "
                        f"{json.dumps(cex['expected'])}, got {json.dumps(cex['got'])}")
        reason = next((c.reason for c in components if c.reason != "correct"), "correct")
        return QuestionGrade(tuple(components), reason, {
            "always": tuple(always), "category": tuple(category), "locate": tuple(locate), "full": tuple(full)})


def _where(r: dict[str, Any], shape: bool) -> str:
    cex = r["counterexample"]
    sizes = f"input size D = {cex['input_size']}, hidden size H = {cex['hidden_size']}"
    if shape:  # shapes are not values: the checker's message is safe to show
        return f"{r['reason']} (on an instance with {sizes})"
    return f"wrong at entry {cex['entry']} on an instance with {sizes}"


def _normalised(spec: FormulaSpec, entry: Entry) -> str:
    """The claim and the defines it reads, as parsed trees: spacing and redundant
    parentheses do not make a formula different."""
    used = [(d.name, ast.dump(d.formula.tree)) for d in spec.closure(entry)]
    return json.dumps([entry.name, ast.dump(entry.formula.tree), used])


def _scalar(text: str, mark: yaml.Mark) -> yaml.ScalarNode:
    return yaml.ScalarNode("tag:yaml.org,2002:str", text, mark, mark)


def _load(path: str, defines: tuple[tuple[str, str], ...], claims: tuple[tuple[str, str], ...],
          at: Node | None) -> FormulaSpec:
    """A checker spec composed from texts, validated by the checker's own loader (names,
    refused constructs, size limits), so grading accepts exactly what ``verify check``
    accepts. Messages point at ``at`` (the student's answer) when given."""
    mark = at.raw.start_mark if at is not None else yaml.Mark(path, 0, 0, 0, None, None)

    def mapping(pairs: tuple[tuple[str, str], ...]) -> yaml.MappingNode:
        return yaml.MappingNode("tag:yaml.org,2002:map",
                                [(_scalar(k, mark), _scalar(v, mark)) for k, v in pairs],
                                mark, mark)
    # a claim-less check of the defines alone uses a placeholder claim that reads nothing
    claim_pairs = claims or (("dx", "0"),)
    raw = mapping((("model", "lstm-cell"),))
    raw.value += [(_scalar("define", mark), mapping(defines)),
                  (_scalar("claim", mark), mapping(claim_pairs))]
    return load_spec(Node(raw, path, at.key if at is not None else ""))


def prepare(config: QuestionConfig, spec_root: Node, qnode: Node) -> LstmQuestion:
    if config.expect != "formulas":
        raise qnode.error(f"{config.qid}: an lstm-cell question expects formulas",
                          key=f"{qnode.key}.expect")
    check_components(config, set(TARGETS), qnode)
    fields = dict(spec_root.items())
    if "claim" in fields:
        raise fields["claim"].error("the question's spec has a 'claim:'; answers come from "
                                    "the submissions: remove it")
    spec_root.mapping(allowed=SPEC_KEYS | {"claim"})
    defines: tuple[tuple[str, str], ...] = ()
    if "define" in fields and not fields["define"].is_null:
        defines = tuple((k, v.text()) for k, v in fields["define"].items())
    # the defines are validated where they were written
    base = load_spec(_define_root(spec_root, fields.get("define")))
    options = Options()
    judge = default_judge(base, options)
    fingerprint = json.dumps([defines, options.examples, options.seed])
    return LstmQuestion(config, spec_root.path, defines, judge, fingerprint,
                        tuple(name for name, _ in config.credit))


def _define_root(spec_root: Node, define: Node | None) -> Node:
    mark = spec_root.raw.start_mark
    empty = yaml.MappingNode("tag:yaml.org,2002:map", [], mark, mark)
    raw = yaml.MappingNode("tag:yaml.org,2002:map", [
        (_scalar("model", mark), _scalar("lstm-cell", mark)),
        (_scalar("define", mark), define.raw if define is not None else empty),
        (_scalar("claim", mark), yaml.MappingNode("tag:yaml.org,2002:map", [
            (_scalar("dx", mark), _scalar("0", mark))], mark, mark))], mark, mark)
    return Node(raw, spec_root.path, "")


__all__ = ["BatchJudge", "FormulaJudge", "LstmQuestion", "default_judge", "prepare"]
