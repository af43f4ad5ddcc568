"""The step-RNN pipeline, left to right: spec -> model -> reduce -> backend -> result ->
checker -> report. This is the handler registered for ``model: step-rnn``."""

from __future__ import annotations

from verify.errors import ExitCode, InternalError
from verify.input.yamldoc import Node
from verify.linear.result import Result, Verdict
from verify.models.threshold import render as report
from verify.models.threshold.answer import StepRnnAnswer
from verify.models.threshold.claims import judge
from verify.models.threshold.compile import compile_spec
from verify.models.threshold.load import load_rnn_spec
from verify.models.threshold.reduce import reduce_table
from verify.models.threshold.solve import solve
from verify.models.threshold.spec import RnnSpec
from verify.outcome import Options, Outcome
from verify.trusted import checker


def recheck(spec: RnnSpec, result: Result) -> None:
    """Trusted re-check of a verdict; a rejection is an internal error, never an answer."""
    try:
        if result.verdict is Verdict.REALIZABLE:
            assert result.witness is not None
            checker.check_witness(spec, result.witness.values, result.witness.s0)
        elif result.verdict is Verdict.UNREALIZABLE:
            checker.check_proof(spec, result.proof)
    except checker.CheckFailure as exc:
        raise InternalError(f"the {result.backend} answer failed the trusted check: {exc}"
                            ) from exc


def check_spec(root: Node, options: Options) -> Outcome:
    spec = load_rnn_spec(root)
    table = compile_spec(spec)
    result = solve(reduce_table(table), options.solver, options.timeout)
    recheck(spec, result)
    judgement = None
    if spec.claim is not None:
        judgement = judge(spec, table, result, options.solver, options.timeout)
    code = ExitCode.OK
    if result.verdict is Verdict.UNKNOWN or (judgement and judgement.verdict == "unknown"):
        code = ExitCode.UNKNOWN
    elif judgement is not None and judgement.verdict == "incorrect":
        code = ExitCode.CLAIM_INCORRECT
    return Outcome(spec.path, result.verdict.value, code,
                   report.to_json(spec, table, result, judgement),
                   report.to_text(spec, table, result, judgement),
                   StepRnnAnswer(spec, table, result, judgement))
