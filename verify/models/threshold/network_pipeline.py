"""The threshold-rnn pipeline: spec -> (observed solve | hidden-state search) -> trusted
re-check -> claims -> report. This is the handler registered for ``model: threshold-rnn``.

Which path: when every state unit is an output, s0 is fixed, no output is ``?`` and the
weights are real, each unit is its own linear system (:mod:`.observed`); otherwise the
hidden values are searched (:mod:`.search`). With ``units: {min, max}`` the counts are
tried from the smallest up, so the first that fits is the fewest, and every smaller count
has its refutation. Nothing is believed before :mod:`verify.trusted.network` accepts it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from verify.errors import ExitCode, InternalError
from verify.input import limits
from verify.input.yamldoc import Node
from verify.models.threshold import network_render as report
from verify.models.threshold import observed
from verify.models.threshold.network import SearchResult, ThresholdSpec
from verify.models.threshold.network_load import load_network_spec
from verify.outcome import Options, Outcome
from verify.trusted import network as trusted
from verify.trusted.checker import CheckFailure


@dataclass
class Solver:
    """Answers "does a k-unit network fit?" once per k (claims ask again), before a deadline."""

    spec: ThresholdSpec
    backend: str
    deadline: float | None
    cache: dict[int, SearchResult] = field(default_factory=dict)

    def method(self, k: int) -> str:
        if observed.applies(self.spec) and k == self.spec.shape.units:
            hinted = k in self.cache and any(
                u.get("float_hint") for u in self.cache[k].stats.get("units", []))
            how = ("weights from a float max-margin LP (HiGHS), rounded and checked exactly "
                   "on every step" if hinted else f"{self.backend} backend")
            return f"observed states (each unit a linear system, {how})"
        return "hidden-state search (split tree over transition-table entries)"

    def remember(self, k: int, result: SearchResult) -> None:
        """A result found (and checked) elsewhere, e.g. by the fewest-units search."""
        if result.status == "unrealizable":
            recheck(self.spec, k, result)
        self.cache[k] = result

    def solve(self, k: int) -> SearchResult:
        if k not in self.cache:
            if observed.applies(self.spec) and k == self.spec.shape.units:
                result = observed.solve_observed(self.spec, self.backend, deadline=self.deadline)
            else:  # imported here: the observed case (long data, start-up counts) needs none
                from verify.models.threshold.search import search
                result = search(self.spec, k, deadline=self.deadline)
            recheck(self.spec, k, result)
            self.cache[k] = result
        return self.cache[k]


def recheck(spec: ThresholdSpec, k: int, result: SearchResult) -> None:
    """Trusted re-check; a rejection is an internal error, never an answer."""
    try:
        if result.status == "realizable":
            trusted.check_witness(spec, k, result.network, result.s0)
        elif result.status == "unrealizable":
            if result.certificate is None:
                raise CheckFailure("an unrealizable answer without a certificate")
            check_refutation(spec, result.certificate)
    except CheckFailure as exc:
        raise InternalError(f"the {k}-unit answer failed the trusted check: {exc}") from exc


def check_refutation(spec: Any, cert: dict[str, Any]) -> None:
    """The certificate, and each per-unit certificate it lists (observed states)."""
    trusted.check_certificate(spec, cert)
    for leaf in cert.get("unit_certificates", []):
        trusted.check_certificate(spec, {**cert, "proof": leaf})


@dataclass(frozen=True)
class ThresholdAnswer:
    """``Outcome.answer`` of a threshold-rnn spec: the validated spec its payload answers
    (the state-transition picture reads the inputs, step rule and claimed network here)."""

    spec: ThresholdSpec


@dataclass(frozen=True)
class Answer:
    status: str                        # realizable | unrealizable | unknown
    units: int | None                  # the witness's k (the fewest, with a range)
    result: SearchResult | None        # the witness (or the last refutation)
    refutations: dict[int, dict[str, Any]]  # k -> verify-certificate/2
    method: str
    reason: str = ""


def decide(solver: Solver) -> Answer:
    """The spec's question: k units (fixed), or the fewest k in its range, all checked."""
    spec = solver.spec
    top = spec.shape.units
    if spec.min_units == top:
        result = solver.solve(top)
        if result.status == "unknown":
            return Answer("unknown", None, result, {}, solver.method(top),
                          f"{top} units: {result.reason}")
        if result.status == "realizable":
            return Answer("realizable", top, result, {}, solver.method(top))
        assert result.certificate is not None
        return Answer("unrealizable", None, result, {top: result.certificate},
                      solver.method(top))
    from verify.models.threshold.fewest import fewest_units

    found = fewest_units(spec, deadline=solver.deadline)
    method = solver.method(top)
    for k, cert in found.refutations.items():
        solver.remember(k, SearchResult("unrealizable", None, None, cert, "", {}))
    if found.status == "unknown":
        return Answer("unknown", None, None, found.refutations, method, found.reason)
    if found.status == "none":
        return Answer("unrealizable", None, None, found.refutations, method)
    assert found.units is not None
    try:
        trusted.check_fewest(spec, found.units, found.network, found.s0, found.refutations)
    except CheckFailure as exc:
        raise InternalError(f"the fewest-units answer {found.units} failed the trusted "
                            f"check: {exc}") from exc
    result = SearchResult("realizable", found.network, found.s0, None, "", found.stats)
    solver.remember(found.units, result)
    return Answer("realizable", found.units, result, found.refutations, method)


def check_spec(root: Node, options: Options) -> Outcome:
    from verify.models.threshold.network_claims import judge

    spec = load_network_spec(root)
    if spec.behaviour is not None:
        return dataclasses.replace(_behaviour_outcome(spec, options),
                                   answer=ThresholdAnswer(spec))
    deadline = limits.deadline(options.timeout)
    solver = Solver(spec, options.solver, deadline)
    answer = decide(solver)
    judgement = judge(spec, answer, solver) if spec.claim is not None else None
    code = ExitCode.OK
    if answer.status == "unknown" or (judgement and judgement.verdict == "unknown"):
        code = ExitCode.UNKNOWN
    elif judgement is not None and judgement.verdict == "incorrect":
        code = ExitCode.CLAIM_INCORRECT
    return Outcome(spec.path, answer.status, code,
                   report.to_json(spec, answer, judgement),
                   report.to_text(spec, answer, judgement), answer=ThresholdAnswer(spec))


def _behaviour_outcome(spec: ThresholdSpec, options: Options) -> Outcome:
    """``behaviour:`` specs are judged by the behaviour module (issue 12)."""
    from verify.models.threshold import behaviour

    outcome: Outcome = behaviour.check_behaviour(spec, options)
    return outcome
