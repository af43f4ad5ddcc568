"""Mutation testing of the trusted code: how many one-line bugs does the test suite catch?

Every module in ``verify/trusted/`` (run it again after a merge: new modules are picked
up) is parsed with :mod:`ast`; each *mutant* changes one thing (a comparison, an
arithmetic or boolean operator, a constant, an ``if`` condition forced true/false, a
``return`` value, a statement deleted). For each mutant a forked worker (third-party
libraries pre-imported once, in the parent) installs the mutated module in
``sys.modules`` and runs the relevant fast, non-LSTM tests with ``pytest -x``, trusted
tests first; a failing (or hanging) test run *kills* the mutant, a passing one lets it
*survive*. Score = killed / mutants.

    python tools/mutate.py                      # every trusted module, 2 workers
    python tools/mutate.py --module checker     # one module
    python tools/mutate.py --list               # the mutants, without running tests
    python tools/mutate.py --write tools/mutation_survivors.txt

Messages (strings, f-strings) and docstrings are not mutated: tests match rejection
reasons, but a reworded message is not a bug. Mutants are deterministic: the same code
gives the same numbered list.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import inspect
import os
import select
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
TRUSTED = ROOT / "verify" / "trusted"
# Non-LSTM tests, fastest and most relevant first (pytest -x stops at the first failure).
TESTS = ["tests/trusted", "tests/models/threshold/test_claims.py",
         "tests/models/threshold/test_solve.py", "tests/models/threshold/test_end_to_end.py",
         "tests/models/threshold", "tests/input", "tests/test_cli.py"]
TIMEOUT = 120.0  # seconds per mutant; a mutant that hangs the tests is killed

_CMP_SWAPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
}
_BIN_SWAPS: dict[type, list[type]] = {
    ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div],
    ast.Div: [ast.Mult], ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv],
    ast.BitOr: [ast.BitAnd], ast.BitAnd: [ast.BitOr],
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int  # within the module
    line: int
    description: str
    file: str  # the module's path, as code objects name it
    span: tuple[int, int]  # the lines of the statement it changes (for test selection)
    source: str  # the whole mutated module


class _Collector(ast.NodeVisitor):
    """Lists the mutation points of a tree as (path to the node, replacement, line, what)."""

    def __init__(self) -> None:
        self.points: list[tuple[tuple[tuple[str, int | None], ...], ast.AST | None, int, str]] = []
        self._path: list[tuple[str, int | None]] = []
        self._in_function = 0
        self.spans: list[tuple[int, int]] = []  # per point: lines of its statement
        self._stmt: list[tuple[int, int]] = [(0, 0)]

    def generic_visit(self, node: ast.AST) -> None:
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "type_comment"):
                continue  # annotations are never executed
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        self._path.append((field, i))
                        self._visit_child(item, value, i)
                        self._path.pop()
            elif isinstance(value, ast.AST):
                self._path.append((field, None))
                self._visit_child(value, None, None)
                self._path.pop()

    def _visit_child(self, node: ast.AST, siblings: list[ast.AST] | None,
                     index: int | None) -> None:
        if isinstance(node, (ast.JoinedStr, ast.Import, ast.ImportFrom, ast.ClassDef)
                      ) and not isinstance(node, ast.ClassDef):
            return
        if isinstance(node, ast.ClassDef) and not any(
                isinstance(b, ast.FunctionDef) for b in node.body):
            return  # dataclasses / protocols: declarations only
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # docstring
        if isinstance(node, ast.FunctionDef):
            # a default argument runs at import time, so no test "reaches" its line:
            # mutants there are tested by the tests that reach any line of the function
            self._stmt.append((node.lineno, node.end_lineno or node.lineno))
            self._in_function += 1
            self.visit(node)
            self._in_function -= 1
            self._stmt.pop()
            return
        if isinstance(node, ast.stmt):
            self._stmt.append((node.lineno, node.end_lineno or node.lineno))
        if self._in_function:  # module level: declarations, not behaviour
            self._mutations(node, siblings, index)
        self.visit(node)
        if isinstance(node, ast.stmt):
            self._stmt.pop()

    def _add(self, replacement: ast.AST | None, node: ast.AST, what: str) -> None:
        if isinstance(node, ast.stmt):
            self.spans.append((node.lineno, node.end_lineno or node.lineno))
        else:
            self.spans.append(self._stmt[-1])
        self.points.append((tuple(self._path), replacement, getattr(node, "lineno", 0), what))

    def _mutations(self, node: ast.AST, siblings: list[ast.AST] | None,
                   index: int | None) -> None:
        src = ast.unparse(node) if isinstance(node, ast.expr) else ""
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            for new in _CMP_SWAPS.get(type(node.ops[0]), []):
                m = copy.deepcopy(node)
                m.ops = [new()]
                self._add(m, node, f"{src}  ->  {ast.unparse(m)}")
        elif isinstance(node, ast.BinOp):
            for new in _BIN_SWAPS.get(type(node.op), []):
                m = copy.deepcopy(node)
                m.op = new()
                self._add(m, node, f"{src}  ->  {ast.unparse(m)}")
        elif isinstance(node, ast.BoolOp):
            m = copy.deepcopy(node)
            m.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._add(m, node, f"{src}  ->  {ast.unparse(m)}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            self._add(copy.deepcopy(node.operand), node, f"{src}  ->  {ast.unparse(node.operand)}")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
            for new in _constants(node.value):
                self._add(ast.Constant(new), node, f"{src}  ->  {new!r}")
        if isinstance(node, (ast.If, ast.While)):
            for value in (True, False):
                m = copy.deepcopy(node)
                m.test = ast.Constant(value)
                self._add(m, node, f"condition {ast.unparse(node.test)!r}  ->  {value}")
        if isinstance(node, ast.Return) and node.value is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(ast.Return(ast.Constant(None)), node,
                      f"return {ast.unparse(node.value)}  ->  return None")
        if isinstance(node, ast.If) and not node.orelse:
            return  # deleting it is the same mutant as its condition forced False
        if isinstance(node, ast.stmt) and siblings is not None and not isinstance(
                node, (ast.FunctionDef, ast.ClassDef, ast.Return, ast.Pass)):
            first = ast.unparse(node).splitlines()[0]
            self._add(ast.Pass(), node, f"delete statement: {first}")


def _constants(value: object) -> list[object]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):  # off by one: 0 -> 1, 1 -> 0 (as in `1 <= t`), n -> n + 1
        return [1 - value] if value in (0, 1) else [value + 1]
    return []


def _replace(tree: ast.AST, path: tuple[tuple[str, int | None], ...],
             replacement: ast.AST) -> ast.AST:
    tree = copy.deepcopy(tree)
    parent: ast.AST = tree
    for field, index in path[:-1]:
        value = getattr(parent, field)
        parent = value[index] if index is not None else value
    field, index = path[-1]
    if index is None:
        setattr(parent, field, replacement)
    else:
        getattr(parent, field)[index] = replacement
    return ast.fix_missing_locations(tree)


def mutants(path: Path) -> Iterator[Mutant]:
    tree = ast.parse(path.read_text())
    collector = _Collector()
    collector.visit(tree)
    name = f"verify.trusted.{path.stem}"
    for i, ((where, replacement, line, what), span) in enumerate(
            zip(collector.points, collector.spans)):
        assert replacement is not None
        yield Mutant(name, i, line, what, file=str(path), span=span,
                     source=ast.unparse(_replace(tree, where, replacement)))


# -- running ---------------------------------------------------------------------------------

class _Plugin:
    """Collects the tests once, then, in ``pytest_runtestloop``, forks one worker per
    mutant that swaps the mutated module in and runs the collected tests up to the first
    failure. Collection (seconds) is paid once, not per mutant."""

    def __init__(self, all_mutants: list[Mutant], jobs: int, timeout: float) -> None:
        self.mutants = all_mutants
        self.jobs = jobs
        self.timeout = timeout
        self.fate: dict[Mutant, str] = {}
        self.log = os.dup(2)  # progress, past pytest's output capture

    def pytest_runtestloop(self, session: Any) -> bool:
        covers = self._baseline(session)
        pending = list(self.mutants)
        running: dict[int, tuple[Mutant, float]] = {}
        while pending or running:
            while pending and len(running) < self.jobs:
                mutant = pending.pop(0)
                items = _reaching(covers, mutant)
                if not items:  # no test even runs this line
                    self._done(mutant, "survived")
                    continue
                pid = os.fork()
                if pid == 0:  # the worker
                    code = 1
                    try:
                        code = _worker(mutant, session, items)
                    finally:
                        os._exit(code)
                running[pid] = (mutant, time.monotonic())
            if not running:
                continue
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                for p, (m, started) in list(running.items()):
                    if time.monotonic() - started > self.timeout:
                        os.kill(p, 9)
                        os.waitpid(p, 0)
                        self._done(m, "timeout")
                        del running[p]
                select.select([], [], [], 0.02)
                continue
            if pid in running:
                mutant, _ = running.pop(pid)
                code = os.waitstatus_to_exitcode(status)
                self._done(mutant, "survived" if code == 0 else "killed")
        return True  # the tests themselves are not run again in the parent

    def _baseline(self, session: Any) -> dict[tuple[str, int], list[Any]]:
        """Run every test once, unmutated, recording which lines of the mutated files it
        executes; a mutant then runs only the tests that reach its line, fastest first."""
        files = {m.file for m in self.mutants}
        lines: dict[str, set[tuple[str, int]]] = {}
        durations: dict[str, float] = {}
        current: set[tuple[str, int]] = set()

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "line":
                current.add((frame.f_code.co_filename, frame.f_lineno))
            return local

        def tracer(frame: Any, event: str, arg: Any) -> Any:
            if frame.f_code.co_filename in files:
                current.add((frame.f_code.co_filename, frame.f_lineno))
                return local
            return None

        items = session.items
        for i, item in enumerate(items):
            current.clear()
            start = time.monotonic()
            failed = session.testsfailed
            threading.settrace(tracer)
            sys.settrace(tracer)
            try:
                item.config.hook.pytest_runtest_protocol(
                    item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
            finally:
                sys.settrace(None)
                threading.settrace(None)  # type: ignore[arg-type]
            if session.testsfailed > failed:
                os.write(self.log, f"  baseline: {item.nodeid} fails unmutated; "
                                   "left out\n".encode())
                continue
            durations[item.nodeid] = time.monotonic() - start
            lines[item.nodeid] = set(current)
        covers: dict[tuple[str, int], list[Any]] = {}
        ranked = sorted((it for it in items if it.nodeid in lines),
                        key=lambda it: durations[it.nodeid])
        covers[("", 0)] = [it.nodeid for it in ranked]  # the speed order, for _reaching
        for item in ranked:
            for key in lines[item.nodeid]:
                covers.setdefault(key, []).append(item)
        return covers

    def _done(self, mutant: Mutant, fate: str) -> None:
        self.fate[mutant] = fate
        os.write(self.log, f"  {mutant.module}#{mutant.index} line {mutant.line}: "
                           f"{fate}\n".encode())


def _reaching(covers: dict[tuple[str, int], list[Any]], mutant: Mutant) -> list[Any]:
    """The tests that execute some line of the mutant's statement, fastest first."""
    found: dict[str, Any] = {}
    for line in range(mutant.span[0], mutant.span[1] + 1):
        for item in covers.get((mutant.file, line), []):
            found.setdefault(item.nodeid, item)
    order = {key: i for i, key in enumerate(covers.get(("", 0), []))}
    return sorted(found.values(), key=lambda it: order.get(it.nodeid, 0))


def _worker(mutant: Mutant, session: Any, items: list[Any]) -> int:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    module = importlib.import_module(mutant.module)
    old = dict(module.__dict__)
    try:
        exec(compile(mutant.source, mutant.file, "exec"), module.__dict__)  # noqa: S102
    except Exception:  # noqa: BLE001 - a mutant that does not even import is killed
        return 1
    # Rebind names other modules imported from this one (``from m import f``).
    swapped = {id(v): module.__dict__[k] for k, v in old.items()
               if k in module.__dict__ and module.__dict__[k] is not v
               and (inspect.isfunction(v) or inspect.isclass(v))}
    for other in list(sys.modules.values()):
        where = str(getattr(other, "__file__", "") or "")
        if other is module or not where.startswith(str(ROOT)):
            continue
        for k, v in list(vars(other).items()):
            if id(v) in swapped:
                setattr(other, k, swapped[id(v)])
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if session.testsfailed:
            return 1
    return 0


def run(all_mutants: list[Mutant], tests: list[str], jobs: int,
        timeout: float) -> dict[Mutant, str]:
    """Each mutant's fate: killed, survived or timeout (counted as killed)."""
    import pytest
    os.chdir(ROOT)
    from hypothesis import HealthCheck, Phase, settings
    # derandomised like CI, and no shrinking: a mutant is killed by any failure, and
    # shrinking one costs seconds. tests/conftest.py loads the profile HYPOTHESIS_PROFILE
    # names, at collection, before the tests are decorated.
    settings.register_profile(
        "mutation", derandomize=True, deadline=None, database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck))
    os.environ["HYPOTHESIS_PROFILE"] = "mutation"
    for name in {m.module for m in all_mutants}:
        importlib.import_module(name)
    plugin = _Plugin(all_mutants, jobs, timeout)
    pytest.main(["-q", "-s", "-p", "no:cacheprovider", "--no-header", "--tb=no", *tests],
                plugins=[plugin])
    return plugin.fate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", action="append",
                    help="a module of verify/trusted (e.g. checker); default: all")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=TIMEOUT)
    ap.add_argument("--only", metavar="N,N,...",
                    help="run only these mutant numbers (with one --module), e.g. survivors")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--write", metavar="FILE", help="also write the survivors to FILE")
    args = ap.parse_args(argv)
    files = sorted(p for p in TRUSTED.glob("*.py") if p.name != "__init__.py")
    if args.module:
        files = [p for p in files if p.stem in args.module]
    found = [m for f in files for m in mutants(f)]
    if args.only:
        wanted = {int(n) for n in args.only.split(",")}
        found = [m for m in found if m.index in wanted]
    if args.list:
        for m in found:
            print(f"{m.module}#{m.index} line {m.line}: {m.description}")
        return 0
    start = time.monotonic()
    fate = run(found, TESTS, args.jobs, args.timeout)
    lines = []
    for f in files:
        name = f"verify.trusted.{f.stem}"
        mine = [m for m in found if m.module == name]
        killed = sum(fate[m] != "survived" for m in mine)
        score = 100.0 * killed / len(mine) if mine else 100.0
        lines.append(f"{name}: {killed} of {len(mine)} mutants killed ({score:.1f}%)")
        lines += [f"  survived #{m.index} line {m.line}: {m.description}"
                  for m in mine if fate[m] == "survived"]
    total = sum(fate[m] != "survived" for m in found)
    lines.append(f"trusted code: {total} of {len(found)} mutants killed "
                 f"({100.0 * total / max(len(found), 1):.1f}%) in "
                 f"{time.monotonic() - start:.0f} s")
    print("\n".join(lines))
    if args.write:
        Path(args.write).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
