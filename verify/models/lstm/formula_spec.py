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
from verify.models.lstm.instance import BASE_NAMES, MAX_SIZE, TARGETS, Instance
from verify.input.yamldoc import Node

_NAMES_HELP = ("x, h_prev, c_prev, i, f, o, cbar, c, h, tanh_c, W_g, U_g, b_g (g = i, f, o, c), "
               "dh, dc, dc_next, f_next")
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
        return [n for n in BASE_NAMES if n in read]


# -- loading ------------------------------------------------------------------------------

def _suggest(name: str, known: list[str]) -> str:
    close_names = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close_names)}?)" if close_names else ""


def _parse_entry(name: str, node: Node, known: list[str]) -> Entry:
    if node.is_null or not node.is_scalar:
        raise node.error(f"{name!r} needs a formula (a single line such as 'W_i.T @ d_i')")
    try:
        formula = parse(node.text())
    except ExprError as exc:
        raise node.error(f"cannot use this formula: {exc}") from None
    for used in sorted(formula.names):
        if used not in known:
            raise node.error(f"unknown name {used!r}{_suggest(used, known)}. Available names: "
                             f"{_NAMES_HELP}" + ("" if len(known) == len(BASE_NAMES) else
                                                 ", and defined above: "
                                                 + ", ".join(known[len(BASE_NAMES):])))
    return Entry(name, formula, node.line, node.key)


def load_spec(root: Node) -> FormulaSpec:
    """Validate a ``model: lstm-cell`` spec; every problem is a :class:`SpecError`."""
    fields = root.mapping(allowed={"model", "name", "description", "define", "claim"},
                          required={"model", "claim"})
    known = list(BASE_NAMES)
    defines: list[Entry] = []
    if "define" in fields and not fields["define"].is_null:
        for name, node in fields["define"].items():
            if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
                raise node.error(f"{name!r} is not a usable name: use letters, digits and _, "
                                 "starting with a letter")
            if name in BASE_NAMES or name in FUNCTIONS:
                what = "function" if name in FUNCTIONS else "given quantity"
                raise node.error(f"{name!r} is already a {what}; choose another name for "
                                 "the definition")
            defines.append(_parse_entry(name, node, known))
            known.append(name)
    claim_node = fields["claim"]
    claims: list[Entry] = []
    for name, node in claim_node.items():
        if name not in TARGETS:
            raise node.error(f"unknown target {name!r}{_suggest(name, list(TARGETS))}. "
                             f"Claimable targets: {', '.join(TARGETS)}")
        claims.append(_parse_entry(name, node, known))
    if not claims:
        raise claim_node.error("'claim:' must name at least one gradient (e.g. 'dx: ...')")
    spec_name = fields["name"].text() if "name" in fields else None
    spec = FormulaSpec(root.path, spec_name, tuple(defines), tuple(claims))
    _dry_run(spec)
    return spec


def _dry_run(spec: FormulaSpec) -> None:
    """Evaluate everything once at the largest sizes, so size limits fail as spec errors
    here (element counts only grow with the sizes) rather than halfway through a search."""
    inst = Instance.filled(MAX_SIZE, MAX_SIZE, 0.5)
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


__all__ = ["Entry", "FormulaSpec", "Substitute", "evaluate_claim", "load_spec"]
