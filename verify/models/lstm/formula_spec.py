"""Stage: LSTM gradient checking (spec loading). Validate a ``model: lstm-cell`` spec and
evaluate its formulas on an instance.

A spec names helper quantities under ``define:`` and claimed gradients under ``claim:``.
:func:`load_spec` turns every problem (unknown names, refused formulas, formulas too large
at the largest sizes) into a :class:`SpecError` naming the line and key;
:func:`evaluate_claim` computes a claim's value through the defines it reads. Formulas are
evaluated by :mod:`verify.models.lstm.expr` (whitelisted, bounded, never ``eval``). Untrusted:
values are float64.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass

from verify.errors import SpecError
from verify.input.yamldoc import Node
from verify.models.lstm.expr import (
    FUNCTIONS,
    Array,
    ExprError,
    ExprLimitError,
    Formula,
    ShapeError,
    evaluate,
    parse,
)
from verify.models.lstm.expr_eval import evaluate_batch
from verify.models.lstm.instance import WIDE_SIZE, Instance
from verify.models.lstm.layouts import COLUMN, LAYOUTS, Layout

_NAMES_HELP = ("x, h_prev, c_prev, i, f, o, cbar, c, h, tanh_c, W_g, U_g, b_g (g = i, f, o, c), "
               "dh, dc, dc_next, f_next, H, D")


def names_help(layout: Layout) -> str:
    return _NAMES_HELP if layout is COLUMN or layout.names == COLUMN.names else ", ".join(
        layout.names)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Entry:
    """One ``define:`` or ``claim:`` line: a name, its formula and where it was written."""

    name: str
    formula: Formula
    line: int
    key: str


@dataclass(frozen=True)
class FormulaSpec:
    path: str
    name: str | None
    defines: tuple[Entry, ...]
    claims: tuple[Entry, ...]
    layout: Layout = COLUMN

    def closure(self, entry: Entry) -> tuple[Entry, ...]:
        """The defines ``entry`` reads, directly or not, in definition order."""
        wanted = set(entry.formula.names)
        for define in reversed(self.defines):
            if define.name in wanted:
                wanted |= define.formula.names
        return tuple(d for d in self.defines if d.name in wanted)

    def base_names(self, entry: Entry) -> list[str]:
        """The instance quantities ``entry`` reads, directly or through its defines."""
        read = set(entry.formula.names)
        for define in self.closure(entry):
            read |= define.formula.names
        return [n for n in self.layout.names if n in read]


# -- loading ------------------------------------------------------------------------------

def _suggest(name: str, known: list[str]) -> str:
    close_names = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close_names)}?)" if close_names else ""


def make_entry(name: str, text: str, known: list[str], layout: Layout = COLUMN,
               line: int = 0, key: str = "") -> Entry:
    """Parse one formula and check the names it reads; ExprError says what is wrong."""
    formula = parse(text)
    base = len(layout.names)
    for used in sorted(formula.names):
        if used not in known:
            raise ExprError(f"unknown name {used!r}{_suggest(used, known)}. Available names: "
                            f"{names_help(layout)}" + ("" if len(known) == base else
                                                       ", and defined above: "
                                                       + ", ".join(known[base:])))
    return Entry(name, formula, line, key)


def _parse_entry(name: str, node: Node, known: list[str], layout: Layout = COLUMN) -> Entry:
    if node.is_null or not node.is_scalar:
        raise node.error(f"{name!r} needs a formula (a single line such as 'W_i.T @ d_i')")
    try:
        return make_entry(name, node.text(), known, layout, node.line, node.key)
    except ExprError as exc:
        message = str(exc)
        raise node.error(message if message.startswith("unknown name") else
                         f"cannot use this formula: {message}") from None


def check_define_name(name: str, layout: Layout) -> str | None:
    """Why ``name`` cannot be a helper name, or None."""
    if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
        return f"{name!r} is not a usable name: use letters, digits and _, starting with a letter"
    if name in layout.names or name in FUNCTIONS:
        what = "function" if name in FUNCTIONS else "given quantity"
        return f"{name!r} is already a {what}; choose another name for the definition"
    return None


def _layout(fields: dict[str, Node]) -> Layout:
    if "layout" not in fields:
        return COLUMN
    node = fields["layout"]
    layout = LAYOUTS.get(node.text()) if node.is_scalar and not node.is_null else None
    if layout is None:
        raise node.error(f"unknown layout; write one of {', '.join(LAYOUTS)} (default: "
                         "column)")
    return layout


def load_spec(root: Node) -> FormulaSpec:
    """Validate a ``model: lstm-cell`` spec; every problem is a :class:`SpecError`."""
    fields = root.mapping(allowed={"model", "name", "description", "define", "claim", "layout"},
                          required={"model", "claim"})
    spec = load_claims(root, fields, _layout(fields))
    dry_run(spec)
    return spec


def load_claims(root: Node, fields: dict[str, Node], layout: Layout) -> FormulaSpec:
    """The ``define:`` and ``claim:`` parts of a spec, in ``layout``'s names and targets
    (shared by every model whose claims are gradient formulas)."""
    known = list(layout.names)
    defines: list[Entry] = []
    if "define" in fields and not fields["define"].is_null:
        for name, node in fields["define"].items():
            problem = check_define_name(name, layout)
            if problem:
                raise node.error(problem)
            defines.append(_parse_entry(name, node, known, layout))
            known.append(name)
    claim_node = fields["claim"]
    claims: list[Entry] = []
    targets = list(layout.targets)
    for name, node in claim_node.items():
        if name not in layout.targets:
            raise node.error(f"unknown target {name!r}{_suggest(name, targets)}. "
                             f"Claimable targets: {', '.join(targets)}")
        claims.append(_parse_entry(name, node, known, layout))
    if not claims:
        raise claim_node.error("'claim:' must name at least one gradient (e.g. 'dx: ...')")
    spec_name = fields["name"].text() if "name" in fields else None
    return FormulaSpec(root.path, spec_name, tuple(defines), tuple(claims), layout)


def dry_run(spec: FormulaSpec) -> None:
    """Evaluate everything once at the largest sizes, so size limits fail as spec errors
    here (element counts only grow with the sizes) rather than halfway through a search."""
    inst = Instance.filled(WIDE_SIZE, WIDE_SIZE, 0.5, spec.layout)
    env: dict[str, Array] = dict(inst.environment)
    for entry in (*spec.defines, *spec.claims):
        if not entry.formula.names <= env.keys():
            continue  # reads a define that failed on shapes; the claim will say so
        try:
            value = evaluate(entry.formula, env)
        except ExprLimitError as exc:
            raise SpecError(f"cannot use this formula: {exc}", path=spec.path,
                            line=entry.line, key=entry.key) from None
        except ShapeError:
            continue
        if entry in spec.defines:
            env[entry.name] = value


# -- evaluating ---------------------------------------------------------------------------

Substitute = Callable[[str, Array], Array]


def evaluate_claim(spec: FormulaSpec, entry: Entry, env: dict[str, Array],
                   substitute: Substitute | None = None) -> Array:
    """The claimed value on one environment; ShapeError names the define that failed.

    ``substitute(name, value)`` may replace a define's value (hints re-evaluate claims
    with one quantity swapped for the right one to name the student's mistake).
    """
    env = dict(env)
    for define in spec.closure(entry):
        try:
            value = evaluate(define.formula, env)
        except ShapeError as exc:
            raise ShapeError(f"in define {define.name}: {exc}") from None
        env[define.name] = value if substitute is None else substitute(define.name, value)
    return evaluate(entry.formula, env)


def evaluate_claim_batch(spec: FormulaSpec, entry: Entry, env: dict[str, Array]) -> Array:
    """The claimed value on a batch (leading axis); ShapeError names the define that failed."""
    env = dict(env)
    for define in spec.closure(entry):
        try:
            env[define.name] = evaluate_batch(define.formula, env)
        except ShapeError as exc:
            raise ShapeError(f"in define {define.name}: {exc}") from None
    return evaluate_batch(entry.formula, env)


__all__ = ["Entry", "FormulaSpec", "Substitute", "check_define_name", "dry_run",
           "evaluate_claim", "evaluate_claim_batch", "load_claims", "load_spec", "make_entry",
           "names_help"]
