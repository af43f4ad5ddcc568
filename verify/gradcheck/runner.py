"""Running the user's code in a child process with a time limit.

Stage: gradcheck (running user code). The parent never imports the user's module: a
spawned child loads it, runs requests (:class:`verify.gradcheck.usercode.Session`) and
answers through a pipe. An infinite loop becomes a :class:`Hang` when the time is up, a
segfault or ``os._exit`` a :class:`Crash` with what the child printed (faulthandler's
traceback included); either way the child is gone and ``verify`` carries on to report it.
The :class:`InProcess` runner is the same protocol without the child, for the pytest
plugin, where the user chose to run their code in their own process.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from verify.gradcheck.convention import Signature
from verify.gradcheck.usercode import Session, UsageProblem, UserCode, UserRaised, load_code


@dataclass(frozen=True)
class Setup:
    """Everything the child needs, picklable."""

    target: str
    forward: str
    forward_sig: Signature
    backward_sig: Signature
    upstream: dict[str, str]


class Hang(Exception):
    def __init__(self, function: str, seconds: float, ever_returned: bool) -> None:
        super().__init__(f"{function} did not return within {seconds:.3g} s")
        self.function, self.seconds, self.ever_returned = function, seconds, ever_returned


class Crash(Exception):
    def __init__(self, function: str, how: str, output: str) -> None:
        super().__init__(f"the process running {function} died: {how}")
        self.function, self.how, self.output = function, how, output


class LoadFailed(Exception):
    """The target could not be loaded: ``usage`` (exit 2) or the user's import raised."""

    def __init__(self, usage: str | None, facts: dict[str, Any] | None) -> None:
        super().__init__(usage or (facts or {}).get("message", ""))
        self.usage, self.facts = usage, facts


def _session(setup: Setup, code: UserCode) -> Session:
    return Session(code, setup.forward_sig, setup.backward_sig, setup.upstream)


def child_main(conn: Connection, setup: Setup, log_path: str) -> None:
    """The child: output to a log file (so the user's prints cannot corrupt ours, and a
    crash leaves its traceback there), load the code, then answer requests until None."""
    log = open(log_path, "w", buffering=1)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    faulthandler.enable(file=log)
    try:
        code = load_code(setup.target, setup.forward)
    except UsageProblem as exc:
        conn.send(("usage", str(exc)))
        return
    except UserRaised as exc:
        conn.send(("raised", exc.facts))
        return
    except SyntaxError as exc:
        conn.send(("usage", f"{exc.filename}:{exc.lineno}: syntax error: {exc.msg}"))
        return
    session = _session(setup, code)
    session.notify = lambda phase: conn.send(("phase", phase))
    conn.send(("ready", {"autograd": code.autograd, "forward": code.forward_name,
                         "backward": code.backward_name}))
    while True:
        request = conn.recv()
        if request is None:
            return
        method, args = request
        conn.send(("result", getattr(session, method)(*args)))


class Child:
    """A running child; :meth:`call` returns the session method's result or raises
    :class:`Hang` / :class:`Crash`."""

    def __init__(self, setup: Setup, deadline: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        fd, self._log_path = tempfile.mkstemp(prefix="verify-gradcheck-", suffix=".log")
        os.close(fd)
        self._conn, child_conn = ctx.Pipe()
        self._process = ctx.Process(target=child_main, args=(child_conn, setup, self._log_path),
                                    daemon=True)
        # The child must not re-run the parent's __main__ (a script, `python -`, a
        # notebook): it needs nothing from it, and some cannot be re-run at all.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self._process.start()
        finally:
            sys.modules["__main__"] = main
        child_conn.close()
        self.deadline = deadline
        self._phase = f"loading {setup.target}"
        self._phase_started = time.monotonic()
        self._returned: set[str] = set()
        kind, info = self._receive()
        if kind == "usage":
            self.close()
            raise LoadFailed(info, None)
        if kind == "raised":
            self.close()
            raise LoadFailed(None, info)
        self.info: dict[str, Any] = info

    def _receive(self) -> tuple[str, Any]:
        while True:
            started = time.monotonic()
            remaining = self.deadline - started
            if remaining <= 0 or not self._conn.poll(remaining):
                phase = self._phase
                self.close()
                raise Hang(phase, time.monotonic() - self._phase_started, phase in self._returned)
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                self._process.join(5)
                raise Crash(self._phase, _how(self._process.exitcode), self.output()) from None
            if kind != "phase":
                if not self._phase.startswith("loading"):
                    self._returned.add(self._phase)
                return kind, payload
            self._returned.add(self._phase)
            self._phase, self._phase_started = payload, time.monotonic()

    def call(self, method: str, *args: Any) -> Any:
        self._phase_started = time.monotonic()
        self._conn.send((method, args))
        return self._receive()[1]

    def output(self) -> str:
        try:
            with open(self._log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def close(self) -> None:
        if self._process.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(0.5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        try:
            os.unlink(self._log_path)
        except OSError:
            pass


def _how(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"it exited with status {exitcode}"


class InProcess:
    """The same calls without a child process (for the pytest plugin)."""

    def __init__(self, setup: Setup, code: UserCode) -> None:
        self._session = _session(setup, code)
        self.info: dict[str, Any] = {"autograd": code.autograd, "forward": code.forward_name,
                     "backward": code.backward_name}

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self._session, method)(*args)

    def close(self) -> None:
        pass
