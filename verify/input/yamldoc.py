"""Stage: spec (part 1). Load a YAML file safely and walk it with line numbers.

Nothing in a spec is ever constructed by YAML: the file is *composed* into nodes with
the safe (libyaml when available) composer, then walked by :class:`Node`. That way
every value keeps its source text (``0.1`` stays the text "0.1", so it is exactly
1/10), every error names a line, tags are refused, and anchors/aliases are refused
outright, which also defuses alias bombs ("billion laughs").
"""

from __future__ import annotations

import difflib
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from verify.errors import SpecError

MAX_DEPTH = 64  # specs nest 4 deep; libyaml's own composer segfaults near 10**5
_NO_ALIASES = ("anchors and aliases (&name / *name) are not allowed in specs; "
               "write the value out")


class _Refused(Exception):
    """Raised while composing; turned into a SpecError by :func:`parse_text`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Composer(yaml.composer.Composer):  # type: ignore[misc]
    """PyYAML's composer with a nesting limit, refusing anchored lists and mappings.

    The C (libyaml) *composer* recurses in C and crashes the interpreter on
    ``[[[[...]]]]`` 10**5 deep; this Python composer over the C *parser*'s events is
    nearly as fast on long lists and stops at :data:`MAX_DEPTH`. Only collections are
    intercepted (a list may hold 10**6 scalars); an alias of an anchored scalar is
    caught by :func:`_check_plain`, which sees the same node twice. Nothing is ever
    copied, so alias bombs cost nothing before they are refused.
    """

    _depth = 0

    def _enter(self, anchor: str | None) -> None:
        line = int(self.peek_event().start_mark.line) + 1
        if anchor is not None:
            raise _Refused(_NO_ALIASES, line)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"lists/mappings nested more than {MAX_DEPTH} deep; a spec needs "
                           "a few levels only", line)

    def compose_sequence_node(self, anchor: str | None) -> yaml.Node:
        self._enter(anchor)
        node: yaml.Node = super().compose_sequence_node(anchor)
        self._depth -= 1
        return node

    def compose_mapping_node(self, anchor: str | None) -> yaml.Node:
        self._enter(anchor)
        node: yaml.Node = super().compose_mapping_node(anchor)
        self._depth -= 1
        return node


try:  # libyaml's parser is much faster on long sequences
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _CParser = None

if _CParser is not None:
    class _Loader(_Composer, _CParser, yaml.resolver.Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover - depends on the PyYAML build
    _PyBases = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser)

    class _Loader(*_PyBases, _Composer, yaml.resolver.Resolver):  # type: ignore[no-redef, misc]
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
    # implicit resolutions of plain text (``2024-01-01``, ``=``): harmless, we only
    # ever read the source text
    "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value",
}
MAX_SPEC_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Node:
    """A YAML node with the file it came from and the key path leading to it."""

    raw: yaml.Node
    path: str
    key: str

    @property
    def line(self) -> int:
        return int(self.raw.start_mark.line) + 1

    def error(self, message: str, *, key: str | None = None) -> SpecError:
        return SpecError(message, path=self.path, line=self.line, key=key or self.key or None)

    # -- kinds -------------------------------------------------------------------------
    @property
    def is_mapping(self) -> bool:
        return isinstance(self.raw, yaml.MappingNode)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.raw, yaml.SequenceNode)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.raw, yaml.ScalarNode)

    @property
    def is_null(self) -> bool:
        return self.is_scalar and self.raw.tag == "tag:yaml.org,2002:null"

    def text(self) -> str:
        """The scalar's source text (never a converted Python value)."""
        if not self.is_scalar:
            raise self.error(f"expected a single value, found a {self.kind_name()}")
        return str(self.raw.value)

    def kind_name(self) -> str:
        if self.is_mapping:
            return "mapping"
        if self.is_sequence:
            return "list"
        return "value"

    # -- structure ---------------------------------------------------------------------
    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, value) pairs of a mapping, refusing duplicate and non-text keys."""
        if not self.is_mapping:
            raise self.error(f"expected a mapping (key: value lines), found a {self.kind_name()}")
        seen: set[str] = set()
        for knode, vnode in self.raw.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise Node(knode, self.path, self.key).error("keys must be plain names")
            name = str(knode.value)
            if name in seen:
                raise Node(knode, self.path, self._child_key(name)).error(
                    f"duplicate key {name!r}: give each key once")
            seen.add(name)
            yield name, Node(vnode, self.path, self._child_key(name))

    def mapping(self, *, allowed: set[str], required: set[str] = frozenset()  # type: ignore[assignment]
                ) -> dict[str, Node]:
        """The mapping's entries, after checking for unknown and missing keys."""
        out = dict(self.items())
        for name, node in out.items():
            if name not in allowed:
                known = ", ".join(sorted(allowed))
                close = difflib.get_close_matches(name, sorted(allowed), n=1)
                guess = f"did you mean {close[0]!r}? " if close else ""
                raise SpecError(f"unknown key {name!r}; {guess}known keys here are: {known}",
                                path=self.path, line=_key_line(self.raw, name) or node.line,
                                key=self._child_key(name))
        for name in sorted(required):
            if name not in out:
                raise self.error(f"missing required key {name!r}", key=self._child_key(name))
        return out

    def elements(self) -> list[Node]:
        if not self.is_sequence:
            raise self.error(f"expected a list, found a {self.kind_name()}")
        return [Node(v, self.path, f"{self.key}[{i}]") for i, v in enumerate(self.raw.value)]

    def _child_key(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name


def _key_line(mapping: yaml.MappingNode, name: str) -> int | None:
    for knode, _ in mapping.value:
        if isinstance(knode, yaml.ScalarNode) and knode.value == name:
            return int(knode.start_mark.line) + 1
    return None


def _check_plain(root: yaml.Node, path: str) -> None:
    """Refuse tags, aliases, duplicate and composite keys anywhere in the tree.

    Iterative (no recursion limits). Keys are checked here too, not only in
    :meth:`Node.items`, so that no mapping, even one a loader never walks, hides a
    duplicate. Key paths are formatted only for mappings and errors: a list may hold
    10**6 numbers.
    """
    seen: set[int] = set()
    # (node, key path of its parent collection, index in it when a list element)
    stack: list[tuple[yaml.Node, str, int | None]] = [(root, "", None)]
    while stack:
        node, parent, index = stack.pop()
        if id(node) in seen:
            raise SpecError(_NO_ALIASES, path=path, line=node.start_mark.line + 1,
                            key=_join(parent, index) or None)
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            raise SpecError(f"YAML tag {node.tag!r} is not allowed; specs hold plain values "
                            "only", path=path, line=node.start_mark.line + 1,
                            key=_join(parent, index) or None)
        if isinstance(node, yaml.MappingNode):
            here = _join(parent, index)
            names: set[str] = set()
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    raise SpecError("keys must be plain names", path=path,
                                    line=k.start_mark.line + 1, key=here or None)
                child = f"{here}.{k.value}" if here else str(k.value)
                if k.value in names:
                    raise SpecError(f"duplicate key {k.value!r}: give each key once",
                                    path=path, line=k.start_mark.line + 1, key=child)
                names.add(k.value)
                stack.append((k, here, None))
                stack.append((v, child, None))
        elif isinstance(node, yaml.SequenceNode):
            here = _join(parent, index)
            for i, v in enumerate(node.value):
                if v.__class__ is not yaml.ScalarNode:
                    stack.append((v, here, i))
                    continue
                # the common case, inline: a list of 10**6 numbers
                if v.tag not in _PLAIN_TAGS or id(v) in seen:
                    stack.append((v, here, i))  # reported by the checks above
                    continue
                seen.add(id(v))


def _join(parent: str, index: int | None) -> str:
    return parent if index is None else f"{parent}[{index}]"


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def _syntax_hint(text: str, mark: yaml.Mark | None, problem: str) -> str | None:
    """Plain words for the two YAML errors people meet most: a tab in the indentation,
    and a backslash (as in LaTeX ``\\le``) inside a double-quoted string."""
    if mark is None:
        return None
    line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
    if "\t" in line[:len(line) - len(line.lstrip())] or line[mark.column:mark.column + 1] == "\t":
        return ("a tab character in the indentation: YAML indents with spaces only; "
                "replace the tab with spaces")
    if "unknown escape" in problem:
        at = line.rfind("\\", 0, mark.column + 1)
        word = re.match(r"\\[A-Za-z]*", line[at:]) if at >= 0 else None
        shown = word.group() if word else "\\"
        return (f"in a double-quoted string a backslash starts an escape, and {shown} is not "
                f"one; write the relation as <, <=, > or >= (not LaTeX such as \\le), or "
                "quote the text with single quotes")
    return None


def parse_text(text: str, path: str) -> Node:
    """Compose YAML text into a checked root :class:`Node`."""
    if "\x00" in text:
        raise SpecError("the file holds binary data (NUL bytes), not a YAML spec; "
                        "give a YAML text file", path=path,
                        line=_line_at(text, text.index("\x00")))
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        if "undefined alias" in problem:  # its anchor was refused or never given
            raise SpecError(_NO_ALIASES, path=path, line=line) from None
        hint = _syntax_hint(text, mark, problem)
        if hint:
            raise SpecError(hint, path=path, line=line) from None
        raise SpecError(f"YAML syntax error: {problem}", path=path, line=line) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character
        code = ord(char) if isinstance(char, str) else int(char)
        raise SpecError(f"the file holds a character YAML does not allow "
                        f"(#x{code:04x}: {exc.reason}); remove it", path=path,
                        line=_line_at(text, exc.position)) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}".splitlines()[0], path=path) from None
    except _Refused as exc:
        raise SpecError(exc.message, path=path, line=exc.line) from None
    except RecursionError:  # the depth limit should come first; never crash though
        raise SpecError("lists/mappings nested too deeply", path=path) from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise SpecError("the file is empty (or only comments); a spec needs at least a "
                        "'model' key", path=path, line=1)
    if len(nodes) > 1:
        raise SpecError("the file holds several YAML documents; give one spec per file",
                        path=path, line=nodes[1].start_mark.line + 1)
    root = nodes[0]
    _check_plain(root, path)
    node = Node(root, path, "")
    if not node.is_mapping:
        raise node.error("a spec must be a mapping of keys such as 'model:', 'input:', 'output:'")
    return node


def load_file(path: str | Path) -> Node:
    """Read and compose a spec file; every failure is a :class:`SpecError`."""
    name = str(path)
    try:
        # stat first: a FIFO or device would block read_bytes forever, and a huge file
        # is refused before it is read
        info = Path(path).stat()
        if stat.S_ISDIR(info.st_mode):
            raise SpecError("this is a directory, not a spec file; `verify check DIR` searches "
                            "a directory for *.yaml / *.yml files", path=name)
        if not stat.S_ISREG(info.st_mode):
            raise SpecError("not a regular file; give a YAML spec file", path=name)
        if info.st_size > MAX_SPEC_BYTES:
            raise SpecError(f"the file is larger than {MAX_SPEC_BYTES // 2**20} MiB; put "
                            "long sequences in a .npy or .csv file beside the spec", path=name)
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", path=name) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SpecError(f"the file is not UTF-8 text (bad byte at offset {exc.start}); "
                        "save it as UTF-8", path=name, line=line) from None
    return parse_text(text, name)
