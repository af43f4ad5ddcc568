"""Error types shared by every stage.

Domain errors are caught once, at the CLI boundary, and turned into exit codes.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes of ``verify check`` (a contract: do not renumber)."""

    OK = 0
    """Every spec was answered and every claim judged correct."""
    CLAIM_INCORRECT = 1
    """At least one claim in a spec was judged incorrect."""
    SPEC_ERROR = 2
    """Usage error or a malformed spec."""
    UNKNOWN = 3
    """A solver could not decide (timeout) for at least one spec."""
    INTERNAL_ERROR = 4
    """A bug: a result was rejected by the trusted checker, or code crashed."""


class VerifyError(Exception):
    """Base of the errors ``verify`` reports to users."""


class SpecError(VerifyError, ValueError):
    """A spec file is malformed. Names the file, line and key, and says what to do."""

    def __init__(self, message: str, *, path: str | None = None,
                 line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = self.path or "<spec>"
        if self.line is not None:
            where += f":{self.line}"
        if self.key:
            where += f": {self.key}"
        return f"{where}: {self.message}"


class InternalError(VerifyError, RuntimeError):
    """A result failed its independent re-check, or an invariant broke: never an answer."""
