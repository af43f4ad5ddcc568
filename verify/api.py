"""The library API: check a spec from Python and get typed results.

``verify.check(path_or_mapping)`` runs exactly what ``verify check`` runs for one spec and
returns its :class:`~verify.outcome.Outcome`: ``status``, ``exit_code``, the JSON
``payload``, the ``text`` report and, for step-RNN specs, ``answer``, a
:class:`~verify.models.threshold.answer.StepRnnAnswer` with exact ``Fraction`` weights,
certificate rows and the claim's judgement. A malformed spec is an Outcome with status
``error`` (``payload["error"]`` names the line and key), as on the command line; bad
*arguments* raise ``ValueError`` naming the argument.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from verify.cli import SOLVERS, check_loaded, check_one, expand_paths
from verify.input.yamldoc import parse_text
from verify.outcome import Options, Outcome

SpecSource = str | os.PathLike[str] | Mapping[str, Any]
MAPPING_NAME = "<mapping>"


def _options(solver: str, timeout: float | None, examples: int) -> Options:
    if solver not in SOLVERS:
        raise ValueError(f"solver={solver!r} must be one of {', '.join(SOLVERS)}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds, or None")
    if examples < 1:
        raise ValueError(f"examples={examples!r} must be at least 1")
    return Options(solver=solver, timeout=timeout, examples=examples)


def _plain(value: Any) -> Any:
    """A mapping's values as YAML can write them; exact numbers keep their exact text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def check(spec: SpecSource, *, solver: str = "z3", timeout: float | None = None,
          examples: int = 200) -> Outcome:
    """Check one spec, given as a file path or as a mapping of the same keys as the YAML.

    In a mapping, numbers are read from the text YAML would write for them: ``Fraction(1, 3)``
    is exactly 1/3, the float ``0.1`` is 1/10 (its shortest decimal form), strings such as
    ``"1/3"`` as in a spec file. ``solver`` and ``timeout`` are ``--solver`` and
    ``--timeout``; ``examples`` is ``--examples`` (LSTM formula specs).
    """
    options = _options(solver, timeout, examples)
    if isinstance(spec, Mapping):
        text = yaml.safe_dump(_plain(spec), sort_keys=False, allow_unicode=True)
        return check_loaded(MAPPING_NAME, lambda: parse_text(text, MAPPING_NAME), options)
    path = os.fspath(spec)
    if Path(path).is_dir():
        raise ValueError(f"{path!r} is a directory: use verify.check_all({path!r}) to check "
                         "every *.yaml / *.yml file under it")
    return check_one(path, options)


def check_all(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
              solver: str = "z3", timeout: float | None = None,
              examples: int = 200) -> list[Outcome]:
    """Check files and directories as ``verify check PATH...`` does (directories searched
    for *.yaml / *.yml, hidden files and folders skipped), one Outcome per spec."""
    options = _options(solver, timeout, examples)
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    return [check_one(p, options) for p in expand_paths([os.fspath(p) for p in items])]


__all__ = ["MAPPING_NAME", "check", "check_all"]
