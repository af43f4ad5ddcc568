"""``verify gradcheck TARGET``: check people's own backward code (command line).

Stage: CLI. Resolves the layout (built-in or a YAML mapping), the cell and kind (from the
function's name in the layout, or ``--cell``/``--kind``) and the forward (``--forward``, or
the layout's naming convention: ``lstm_step_forward`` beside ``lstm_step_backward``), runs
:func:`verify.gradcheck.check.check` and prints text or one JSON object. Exit codes as
``verify check``: 0 correct, 1 a finding, 2 usage, 3 unknown (time ran out), 4 internal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Any

from verify.errors import ExitCode, SpecError
from verify.gradcheck.cells import CELLS
from verify.gradcheck.check import Request, UsageError, check
from verify.gradcheck.convention import Layout
from verify.gradcheck.layouts import LAYOUTS, find_by_name, layout

DEFAULT_TIMEOUT = 60.0


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "gradcheck", help="property-test your own backward code against a reference cell",
        description="Run your backward function (and its forward) on instances drawn by "
                    "hypothesis, in a child process, and compare with a reference cell and "
                    "with finite differences of your forward.")
    p.add_argument("target", metavar="TARGET",
                   help="your backward: path/to/file.py:function or package.module:function "
                        "(or a torch.autograd.Function subclass)")
    p.add_argument("--forward", metavar="FUNCTION",
                   help="your forward (file.py:function, package.module:function or a name in "
                        "TARGET's module); default: the layout's name for it")
    p.add_argument("--cell", default=None, metavar="lstm|gru|rnn|FILE.yaml",
                   help="the cell, or a YAML mapping for other signatures (default: from the "
                        "function's name, else lstm)")
    p.add_argument("--layout", choices=LAYOUTS, default="cs231n",
                   help="array shapes, gate order and signatures (default: cs231n)")
    p.add_argument("--kind", choices=("step", "sequence"), default=None,
                   help="one step or a whole sequence (default: from the function's name)")
    p.add_argument("--gate-order", default=None, metavar="i,f,o,g",
                   help="order of the stacked gate blocks, if not the layout's")
    p.add_argument("--examples", type=int, default=100, metavar="N",
                   help="instances to draw (default: 100)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit for the whole check (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--format", choices=("text", "json"), default="text")


def _function_name(target: str) -> str:
    return target.rpartition(":")[2].rpartition(".")[2]


def resolve(args: argparse.Namespace) -> Request:
    """The request, or UsageError / SpecError saying what to write instead."""
    if ":" not in args.target:
        raise UsageError(f"TARGET {args.target!r} must be path/to/file.py:function or "
                         "package.module:function")
    module = args.target.rpartition(":")[0]
    if module.endswith(".py") and not os.path.isfile(module):
        raise UsageError(f"no such file: {module}")
    if not module.endswith(".py") and ("/" in module or os.sep in module):
        raise UsageError(f"{module!r} looks like a path: write path/to/file.py:function")
    name = _function_name(args.target)
    order = None if args.gate_order is None else [g.strip() for g in args.gate_order.split(",")]
    if args.cell is not None and args.cell.endswith((".yaml", ".yml")):
        from verify.gradcheck.mapping import load_mapping

        lay = load_mapping(args.cell)
    else:
        if args.cell is not None and args.cell not in CELLS:
            raise UsageError(f"--cell {args.cell!r} must be one of {', '.join(CELLS)} or a "
                             "mapping file ending in .yaml")
        found = find_by_name(args.layout, name)
        cell = args.cell or (found[0] if found else "lstm")
        kind = args.kind or (found[1] if found and (not args.cell or args.cell == found[0])
                             else "step")
        try:
            lay = layout(args.layout, cell, kind, order)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if order is not None and sorted(lay.gate_order) != sorted(lay.reference.gates):
            raise UsageError(f"--gate-order {args.gate_order!r} must name each of the "
                             f"{cell} gates once: {', '.join(lay.gate_names.values())}")
    forward = args.forward or forward_name(lay, name)
    if args.examples < 1:
        raise UsageError("--examples must be at least 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return Request(args.target, lay, forward, args.examples, args.timeout)


def forward_name(lay: Layout, backward: str) -> str:
    if backward == lay.backward.name:
        return lay.forward.name
    if "backward" in backward:
        return backward.replace("backward", "forward")
    return lay.forward.name


def run(args: argparse.Namespace) -> int:
    from verify.gradcheck.render import render_json, render_text

    try:
        request = resolve(args)
        report = check(request)
    except (UsageError, SpecError) as exc:
        return _fail(args, ExitCode.SPEC_ERROR, "error", str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug of ours: exit 4, never a verdict
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(traceback.format_exc(), file=sys.stderr)
        return _fail(args, ExitCode.INTERNAL_ERROR, "error", f"internal error: {detail}")
    _print(args, render_json(report) if args.format == "json" else render_text(report))
    return int(report.exit_code)


def _print(args: argparse.Namespace, out: Any) -> None:
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False), flush=True)
    else:
        print(out, flush=True)


def _fail(args: argparse.Namespace, code: ExitCode, status: str, message: str) -> int:
    if args.format == "json":
        _print(args, {"target": args.target, "status": status, "error": {"message": message}})
    else:
        print(f"verify gradcheck: {message}", file=sys.stderr)
    return int(code)


__all__ = ["add_parser", "forward_name", "resolve", "run"]
