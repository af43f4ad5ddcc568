"""verify: exact, independently checked answers about threshold RNNs and LSTM gradients.

Pipeline: spec -> model -> reduce -> backend -> result -> checker -> report.
Library use: :func:`verify.check` (one spec, a path or a mapping) and
:func:`verify.check_all` (files and directories), both in :mod:`verify.api`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "check", "check_all"]


def __getattr__(name: str) -> Any:
    # imported on first use, so `import verify` (and `verify --version`) stays light
    if name in ("check", "check_all"):
        from verify import api
        return getattr(api, name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")
