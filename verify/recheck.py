"""``verify recheck SPEC RESULT.jsonl``: re-check printed answers from the JSON alone.

A user need not trust the search: this reads the spec and the JSON that ``verify check
--format json`` printed for it, and hands every witness and certificate in it to the
trusted checker (``verify.trusted.network`` for threshold-rnn specs, ``verify.trusted.
checker`` for step-rnn specs), with nothing recomputed by the untrusted stages.
Exit 0: everything accepted; 1: something rejected (the reason is printed); 2: a bad
spec or a malformed result file; 3: the result holds nothing to check (unknown).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from verify.errors import ExitCode, SpecError
from verify.input.yamldoc import load_file
from verify.linear.result import Certificate, CitedRow, Split
from verify.models.threshold.network import Network
from verify.trusted import checker
from verify.trusted import network as trusted
from verify.trusted.checker import CheckFailure


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "recheck", help="re-check the witnesses and certificates a JSON result holds, "
                        "through the trusted checker alone")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("result", metavar="RESULT.jsonl",
                   help="the output of 'verify check --format json' (one JSON object a line)")


class Malformed(Exception):
    """The result file is not what ``verify check --format json`` prints."""


def run(args: argparse.Namespace) -> int:
    try:
        root = load_file(args.spec)
        model = dict(root.items()).get("model")
        kind = model.text() if model is not None else None
        record = _record(args.result, args.spec)
        if kind == "threshold-rnn":
            from verify.models.threshold.network_load import load_network_spec
            checks = threshold_checks(load_network_spec(root), record)
        elif kind == "step-rnn":
            from verify.models.threshold.load import load_rnn_spec
            checks = step_rnn_checks(load_rnn_spec(root), record)
        else:
            raise SpecError(f"recheck reads step-rnn and threshold-rnn specs, not {kind!r}",
                            path=args.spec, key="model")
    except SpecError as err:
        print(f"error: {err}")
        return ExitCode.SPEC_ERROR
    except Malformed as err:
        print(f"error: {args.result}: {err}")
        return ExitCode.SPEC_ERROR
    if not checks:
        print(f"{args.spec}: the result (status {record.get('status')!r}) holds no witness "
              "or certificate to re-check")
        return ExitCode.UNKNOWN
    code = ExitCode.OK
    for check in checks:
        try:
            check.run()
        except CheckFailure as exc:
            print(f"REJECTED {check.what}: {exc}")
            code = ExitCode.CLAIM_INCORRECT
        except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as exc:
            print(f"REJECTED {check.what}: malformed ({exc!r})")
            code = ExitCode.CLAIM_INCORRECT
        else:
            print(f"accepted {check.what}")
    return code


def _record(path: str, spec: str) -> dict[str, Any]:
    """The JSON object printed for ``spec`` (the only one, or the one naming it)."""
    try:
        lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
        records = [json.loads(ln) for ln in lines]
    except (OSError, UnicodeDecodeError) as exc:
        raise Malformed(f"cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise Malformed(f"line {exc.lineno}: not JSON ({exc.msg})") from None
    if not records or not all(isinstance(r, dict) for r in records):
        raise Malformed("expected one JSON object a line, as 'verify check --format json' "
                        "prints")
    target = Path(spec).resolve()
    named = [r for r in records if "spec" in r and Path(str(r["spec"])).resolve() == target]
    if named:
        return dict(named[0])
    if len(records) == 1:
        return dict(records[0])
    raise Malformed(f"none of its {len(records)} results is for {spec}")


@dataclass(frozen=True)
class Check:
    what: str
    run: Any  # () -> None, raising CheckFailure


# -- threshold-rnn -------------------------------------------------------------------------

def network_from_json(w: dict[str, Any]) -> Network:
    def matrix(rows: Any) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(tuple(Fraction(v) for v in r) for r in rows)

    return Network(W=matrix(w["W"]), U=matrix(w["U"]), b=tuple(Fraction(v) for v in w["b"]),
                   V=matrix(w.get("V", ())), c=tuple(Fraction(v) for v in w.get("c", ())))


def threshold_checks(spec: Any, rec: dict[str, Any]) -> list[Check]:
    from verify.models.threshold.network_claims import count
    from verify.models.threshold.network_pipeline import check_refutation

    if spec.behaviour is not None:  # behaviour: specs (issue 12)
        from verify.models.threshold.behaviour_pipeline import behaviour_checks
        return [Check(what, run) for what, run in behaviour_checks(spec, rec)]

    checks = []
    refutations = {int(k): c for k, c in rec.get("refutations", {}).items()}
    if rec.get("status") == "realizable":
        net, s0 = network_from_json(rec["witness"]), _s0(rec["s0"])
        k = len(net.W)
        if "fewest_units" in rec:
            checks.append(Check(f"the witness with {count(k)} as the fewest",
                                lambda k=k: trusted.check_fewest(spec, k, net, s0,
                                                                 refutations)))
        else:
            checks.append(Check(f"the witness with {count(k)}",
                                lambda k=k: trusted.check_witness(spec, k, net, s0)))
    if rec.get("status") == "unrealizable":
        cert = rec["certificate"]
        checks.append(Check(f"the certificate that {count(cert.get('units'))} cannot",
                            lambda c=cert: check_refutation(spec, c)))
    for units, refutation in sorted(refutations.items()):
        checks.append(Check(f"the certificate that {count(units)} cannot",
                            lambda c=refutation: check_refutation(spec, c)))
    claim = rec.get("claim", {})
    if "certificate" in claim:
        checks.append(Check("the claim's certificate",
                            lambda: check_refutation(spec, claim["certificate"])))
    return checks


def _s0(rows: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(v) for v in r) for r in rows)


# -- step-rnn ------------------------------------------------------------------------------

def step_proof(node: dict[str, Any], params: tuple[str, ...]) -> Any:
    """A printed verify-certificate/1 proof as the objects the trusted checker reads."""
    if "rows" in node:
        return Certificate(tuple(
            CitedRow(int(r["sequence"]), int(r["t"]),
                     tuple(Fraction(r["coefficients"][p]) for p in params),
                     {">": True, ">=": False}[r["relation"]], Fraction(r["multiplier"]))
            for r in node["rows"]))
    return Split(int(node["split"]["sequence"]),
                 tuple((int(c["value"]), step_proof(c["proof"], params))
                       for c in node["cases"]))


def step_rnn_checks(spec: Any, rec: dict[str, Any]) -> list[Check]:
    checks = []
    if rec.get("status") == "realizable":
        values = {p: Fraction(v) for p, v in rec["witness"].items()}
        s0 = rec.get("s0") or [s.s0 for s in spec.sequences]
        checks.append(Check("the witness", lambda: checker.check_witness(spec, values, s0)))
    if rec.get("status") == "unrealizable":
        cert = rec["certificate"]
        if cert.get("format") != "verify-certificate/1":
            raise Malformed(f"a step-rnn certificate is verify-certificate/1, not "
                            f"{cert.get('format')!r}")
        checks.append(Check("the certificate", lambda: checker.check_proof(
            spec, step_proof(cert, spec.params))))
    return checks
