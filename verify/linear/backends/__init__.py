"""Stage: backend. Untrusted solvers for homogeneous linear systems, and their registry.

Each backend answers a :class:`verify.linear.system.LinearSystem` with a
:class:`verify.linear.system.BackendAnswer`: an exact witness, exact Motzkin multipliers with an
irreducible support, or UNKNOWN (timeout) -- never a guess. Witnesses and multipliers
are scaled to coprime integers (the systems are homogeneous). Listing the backends
imports nothing heavy: z3, PuLP and highspy are imported inside the backends' methods.

* ``"z3"``: z3's exact rational arithmetic; unsat cores shrunk to irreducible ones.
* ``"lp"``: a float LP (PuLP with HiGHS, else CBC), rationalised and re-checked exactly;
  falls back to the exact backend when rationalisation fails.
* ``"exact"``: pure-Fraction Fourier-Motzkin (exact simplex for big systems).
"""

from __future__ import annotations

import importlib
from typing import Protocol

from verify.linear.system import BackendAnswer, LinearSystem


class Backend(Protocol):
    name: str

    def solve(self, system: LinearSystem, *, timeout: float | None = None) -> BackendAnswer:
        ...


# name -> (module:class, modules that must import for the backend to work)
_REGISTRY: dict[str, tuple[str, tuple[str, ...]]] = {
    "z3": ("verify.linear.backends.z3_backend:Z3Backend", ("z3",)),
    "lp": ("verify.linear.backends.lp_backend:LPBackend", ("pulp",)),
    "exact": ("verify.linear.backends.exact_backend:ExactBackend", ()),
}


def names() -> list[str]:
    """Every known backend name, installed or not."""
    return list(_REGISTRY)


def available() -> list[str]:
    """Names of the backends whose solver libraries import successfully."""
    return [name for name, (_, modules) in _REGISTRY.items() if all(map(_imports, modules))]


def _imports(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a broken install means "not available" too
        return False
    return True


def get(name: str) -> Backend:
    """A fresh backend by name.

    ValueError naming the known backends if ``name`` is unknown, or naming the missing
    library if the backend is known but not installed.
    """
    entry = _REGISTRY.get(name)
    if entry is None:
        raise ValueError(f"unknown backend {name!r}; known backends: {', '.join(_REGISTRY)}")
    for lib in entry[1]:
        try:
            importlib.import_module(lib)
        except Exception as exc:  # noqa: BLE001 - report any broken install the same way
            raise ValueError(f"backend {name!r} is not available: cannot import {lib!r} "
                             f"({exc}); available backends: {', '.join(available())}"
                             ) from None
    module, attr = entry[0].split(":")
    backend: Backend = getattr(importlib.import_module(module), attr)()
    return backend
