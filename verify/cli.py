"""Command line: ``verify check PATH...`` (also ``python -m verify``).

Domain errors are caught here, once, and turned into exit codes (see
:class:`verify.errors.ExitCode`). One bad spec never stops the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from verify import __version__, recheck
from verify import registry as models
from verify.errors import ExitCode, InternalError, SpecError
from verify.gradcheck import command as gradcheck
from verify.grading import command as grade_command
from verify.input.yamldoc import Node, load_file
from verify.outcome import Options, Outcome, error_outcome

SOLVERS = ("z3", "lp", "exact")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="verify",
        description="Exact, independently checked answers about threshold RNNs and LSTM "
                    "gradients.")
    p.add_argument("--version", action="version", version=f"verify {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check spec files (or directories of *.yaml)")
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--solver", choices=SOLVERS, default="z3",
                   help="backend for step-RNN specs (default: z3)")
    c.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="give up with status 'unknown' after this many seconds (per solver "
                        "call for step-RNN specs, per spec for LSTM formula specs)")
    c.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="text (default), json: one JSON object per spec (JSON Lines), or "
                        "html: one self-contained page for the whole run")
    c.add_argument("--plot", metavar="DIR", default=None,
                   help="write one picture per spec into DIR (needs matplotlib: "
                        "pip install 'verify[plot]')")
    c.add_argument("--plot-format", choices=("svg", "png"), default="svg",
                   help="picture format for --plot (default: svg)")
    c.add_argument("--examples", type=int, default=200, metavar="N",
                   help="instances drawn per claimed LSTM gradient (default: 200)")
    gradcheck.add_parser(sub)
    grade_command.add_parser(sub)
    recheck.add_parser(sub)
    return p


def expand_paths(paths: Sequence[str]) -> Iterator[str]:
    """Files as given; a directory is searched recursively for files named *.yaml or *.yml,
    in sorted order, skipping hidden files and folders (names starting with '.') below it."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(f for f in {*path.rglob("*.yaml"), *path.rglob("*.yml")}
                           if f.is_file() and not any(part.startswith(".") for part in
                                                      f.relative_to(path).parts))
            yield from (str(f) for f in found)
        else:
            yield raw


def check_one(path: str, options: Options) -> Outcome:
    return check_loaded(path, lambda: load_file(path), options)


def check_loaded(path: str, load: Callable[[], Node], options: Options) -> Outcome:
    """Check the spec ``load()`` composes; every failure becomes an error Outcome."""
    try:
        root = load()
        fields = dict(root.items())
        model_node = fields.get("model")
        if model_node is None:
            raise root.error("missing required key 'model' (e.g. 'model: step-rnn')",
                             key="model")
        name = model_node.text()
        handler = models.handler(name)
        if handler is None:
            raise model_node.error(
                f"unknown model {name!r}; known models: {', '.join(models.names())}")
        return handler(root, options)
    except SpecError as err:
        return error_outcome(path, err)
    except InternalError as err:
        return Outcome(path, "error", ExitCode.INTERNAL_ERROR,
                       {"error": {"message": f"internal error: {err}", "line": None,
                                  "key": None}},
                       f"INTERNAL ERROR (please report): {err}")
    except Exception as err:  # noqa: BLE001 - a crash in one spec must not stop the rest
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return Outcome(path, "error", ExitCode.INTERNAL_ERROR,
                       {"error": {"message": f"internal error: {detail}", "line": None,
                                  "key": None}},
                       f"INTERNAL ERROR (please report): {detail}\n{traceback.format_exc()}")


def combine(codes: Sequence[ExitCode]) -> ExitCode:
    """Worst first: internal error, spec error, unknown, incorrect claim, ok."""
    for code in (ExitCode.INTERNAL_ERROR, ExitCode.SPEC_ERROR, ExitCode.UNKNOWN,
                 ExitCode.CLAIM_INCORRECT):
        if code in codes:
            return code
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command == "gradcheck":
        return gradcheck.run(args)
    if args.command == "grade":
        return grade_command.run(args)
    if args.command == "recheck":
        return recheck.run(args)
    if args.timeout is not None and args.timeout <= 0:
        print("verify: --timeout must be a positive number of seconds", file=sys.stderr)
        return ExitCode.SPEC_ERROR
    if args.examples < 1:
        print("verify: --examples must be at least 1", file=sys.stderr)
        return ExitCode.SPEC_ERROR
    if args.plot is not None:
        from verify.report.plot import PlotUnavailable, require_matplotlib
        try:
            require_matplotlib()
        except PlotUnavailable as exc:
            print(f"verify: {exc}", file=sys.stderr)
            return ExitCode.SPEC_ERROR
    options = Options(solver=args.solver, timeout=args.timeout, examples=args.examples)
    outcomes: list[Outcome] = []
    paths = list(expand_paths(args.paths))
    if not paths:
        print("verify: no spec files found under " + " ".join(args.paths), file=sys.stderr)
        return ExitCode.SPEC_ERROR
    for i, path in enumerate(paths):
        outcome = check_one(path, options)
        outcomes.append(outcome)
        if args.format == "json":
            print(json.dumps(outcome.to_json(), ensure_ascii=False), flush=True)
        elif args.format == "text":
            if i:
                print()
            print(outcome.text, flush=True)
    if args.format == "text" and len(outcomes) > 1:
        print()
        print(summary(outcomes))
    code = combine([o.exit_code for o in outcomes])
    if args.format == "html":
        from verify.report.html import page
        print(page(outcomes, summary(outcomes)), end="")
    if args.plot is not None:
        from verify.report.plot import write_plots
        written = write_plots(outcomes, args.plot, args.plot_format)
        print(f"verify: wrote {len(written)} picture{'s' if len(written) != 1 else ''} to "
              f"{args.plot}", file=sys.stderr)
    return int(code)


def summary(outcomes: Sequence[Outcome]) -> str:
    """One closing line for a batch: how many specs of each status, how many claims wrong."""
    statuses = Counter(o.status for o in outcomes)
    verdicts = Counter(o.payload["claim"]["verdict"] for o in outcomes
                       if isinstance(o.payload.get("claim"), dict))
    parts = [f"{n} {status}" + ("s" if status == "error" and n != 1 else "")
             for status, n in sorted(statuses.items())]
    line = f"{len(outcomes)} specs: " + ", ".join(parts)
    if verdicts:
        line += "; claims: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
    return line


def console_main() -> None:
    try:
        code = main()
    except BrokenPipeError:  # e.g. `verify check specs/ | head`: stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
