"""The gradcheck flow: draw instances, run the user's code on each, shrink the first finding.

Stage: gradcheck. Untrusted (float64 comparisons): "correct" means "agreed with the
reference and with finite differences of its own forward on every drawn instance".

1. A survey draws up to ``examples`` instances with hypothesis and runs each through the
   user's forward and backward (in a child process, :mod:`.runner`), stopping at the first
   finding (:mod:`.judge`).
2. Hypothesis then shrinks to the smallest instance with the same finding (same kind,
   function and array), all findings on it are reported, each wrong gradient's entry is
   located by central differences of the user's forward, and hints are added (:mod:`.hints`).
3. A call that never returns or a dead child is a finding; the time running out with no
   finding is ``unknown``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, find, given, seed, settings
from hypothesis.errors import NoSuchExample

from verify.errors import ExitCode
from verify.gradcheck.convention import Layout
from verify.gradcheck.hints import explain
from verify.gradcheck.instances import Instance, instances
from verify.gradcheck.judge import (
    SEVERITY,
    Finding,
    directions,
    entry_text,
    fmt,
    judge,
    worst_entry,
)
from verify.gradcheck.runner import Child, Crash, Hang, InProcess, LoadFailed, Setup
from verify.gradcheck.usercode import LIBRARY_PATHS, UserCode
from verify.models.lstm.batch import hypothesis_storage_elsewhere

Facts = dict[str, Any]
SHRINK_SECONDS = 8.0  # shrinking is a nicety: past this, report the smallest seen so far


def _size(inst: Instance) -> tuple[int, float]:
    return (sum(np.size(v) for v in inst.canonical.values()),
            sum(float(np.abs(v).sum()) for v in inst.canonical.values()))


class UsageError(ValueError):
    """The request cannot be run as given (exit 2); the message says what to write instead."""


@dataclass(frozen=True)
class Request:
    target: str  # file.py:function or package.module:function (the backward)
    layout: Layout
    forward: str  # file.py:function, package.module:function, or a name in the target's module
    examples: int = 100
    timeout: float = 60.0
    seed: int = 0
    shrink_seconds: float = SHRINK_SECONDS


@dataclass(frozen=True)
class Group:
    """Findings on one instance (None: before any instance, e.g. an import that raised)."""

    instance: Instance | None
    findings: tuple[Finding, ...]
    shrunk: bool = True  # False: the instance it happened on (a hang or crash is not shrunk)


@dataclass(frozen=True)
class Report:
    request: Request
    names: dict[str, str]
    status: str  # correct | incorrect | unknown
    checked: int
    groups: tuple[Group, ...] = ()
    reason: str | None = None
    autograd: bool = False

    @property
    def exit_code(self) -> ExitCode:
        return {"correct": ExitCode.OK, "incorrect": ExitCode.CLAIM_INCORRECT,
                "unknown": ExitCode.UNKNOWN}[self.status]


class _TimeUp(BaseException):
    """Time is up: a BaseException so that hypothesis stops instead of shrinking it."""


@dataclass
class _Stop(BaseException):
    """The user's code hung or crashed: stop hypothesis at once, carry the cause out."""

    cause: Hang | Crash
    instance: Instance | None


@dataclass
class _Found(BaseException):
    instance: Instance
    facts: Facts
    findings: list[Finding]


def _settings(examples: int) -> settings:
    return settings(database=None, derandomize=True, deadline=None, max_examples=examples,
                    verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.shrink),
                    print_blob=False, suppress_health_check=list(HealthCheck),
                    report_multiple_bugs=False)


def _primary(findings: list[Finding]) -> Finding:
    return min(findings, key=lambda f: SEVERITY.index(f.kind))


@dataclass
class _Run:
    """One check in progress: the runner, the deadline and the instance being run."""

    request: Request
    runner: Child | InProcess
    names: dict[str, str]
    deadline: float
    current: Instance | None = None
    checked: int = 0
    log: list[str] = field(default_factory=list)

    def facts(self, inst: Instance) -> Facts:
        if time.monotonic() > self.deadline:
            raise _TimeUp
        self.current = inst
        try:
            result: Facts = self.runner.call("run", inst.forward_values(), inst.upstream_values(),
                                             directions(inst))
        except (Hang, Crash) as exc:
            raise _Stop(exc, inst) from None
        return result

    def judge(self, inst: Instance) -> tuple[Facts, list[Finding]]:
        facts = self.facts(inst)
        return facts, judge(inst, facts, self.names)

    def survey(self) -> _Found | None:
        layout = self.request.layout

        @seed(self.request.seed)
        @_settings(self.request.examples)
        @given(instances(layout))
        def each(inst: Instance) -> None:
            facts, findings = self.judge(inst)
            if findings:
                raise _Found(inst, facts, findings)
            self.checked += 1

        try:
            each()
        except _Found as found:
            return found
        return None

    def shrink(self, key: tuple[str, str, str | None]) -> Instance | None:
        """The smallest instance with this finding that hypothesis reaches within the
        shrink budget (the best one so far when the budget runs out)."""
        best: list[Instance] = []
        stop = min(self.deadline, time.monotonic() + self.request.shrink_seconds)

        def fails(inst: Instance) -> bool:
            if time.monotonic() > stop:
                raise _TimeUp
            found = any(f.key == key for f in self.judge(inst)[1])
            if found and (not best or _size(inst) < _size(best[0])):
                best[:] = [inst]
            return found

        try:
            return find(instances(self.request.layout), fails,
                        settings=_settings(self.request.examples),
                        random=Random(self.request.seed))
        except (NoSuchExample, _TimeUp):
            return best[0] if best else None

    def locate(self, inst: Instance, facts: Facts, findings: list[Finding]) -> list[Finding]:
        """Add central differences of the user's forward at each wrong gradient's entry."""
        out = []
        for f in findings:
            if f.kind != "gradient" or f.name is None:
                out.append(f)
                continue
            of = self.request.layout.forward_of(f.name)
            fd = self.runner.call("fd_entries", inst.forward_values(), inst.upstream_values(), of)
            if not isinstance(fd, np.ndarray):
                out.append(f)
                continue
            got = facts["grads"][f.name]
            if f.details.get("against") == "your forward":
                at = worst_entry(got, fd)
                f = Finding(f.kind, f.function, f.name,
                            f"{entry_text(f.name, at)} is {fmt(got[at])}, finite differences "
                            f"of your own forward give {fmt(fd[at])}",
                            {**f.details, "entry": list(at), "got": float(got[at]),
                             "finite_difference": float(fd[at]), **inst.where(of, at)}, f.hint)
            else:
                at = tuple(f.details["entry"])
                f = f.with_details(finite_difference=float(fd[at]))
            out.append(f)
        return out


def _start(request: Request, code: UserCode | None) -> Child | InProcess:
    setup = Setup(request.target, request.forward, request.layout.forward,
                  request.layout.backward, request.layout.upstream())
    if code is not None:
        return InProcess(setup, code)
    return Child(setup, time.monotonic() + request.timeout)


def check(request: Request, *, code: UserCode | None = None) -> Report:
    """Check the user's backward (run in a child process, or ``code`` in this process)."""
    started = time.monotonic()
    try:
        runner = _start(request, code)
    except LoadFailed as exc:
        if exc.usage:
            raise UsageError(exc.usage) from None
        facts = exc.facts or {}
        finding = Finding("raised", facts.get("function", request.target), None,
                          facts.get("message", ""), {"frame": facts.get("frame")})
        return Report(request, {}, "incorrect", 0, (Group(None, (finding,)),))
    except Hang as exc:  # spawning and importing may simply need more than --timeout
        return Report(request, {}, "unknown", 0, reason=f"time ran out while {exc.function} "
                      f"({request.timeout:g} s): an endless loop at import, or too short a "
                      "--timeout")
    except Crash as exc:
        return Report(request, {}, "incorrect", 0, (Group(None, (_cause_finding(exc),)),))
    names = {"forward": runner.info["forward"], "backward": runner.info["backward"]}
    run = _Run(request, runner, names, started + request.timeout)
    try:
        with hypothesis_storage_elsewhere():
            return _flow(run, runner.info.get("autograd", False))
    finally:
        runner.close()


def _flow(run: _Run, autograd: bool) -> Report:
    request = run.request

    def report(status: str, groups: Sequence[Group] = (), reason: str | None = None) -> Report:
        return Report(request, run.names, status, run.checked, tuple(groups), reason, autograd)

    try:
        found = run.survey()
    except _TimeUp:
        return report("unknown", reason=f"agreed on all {run.checked} instances drawn before "
                      f"the time limit ({request.timeout:g} s), fewer than the "
                      f"{request.examples} asked for")
    except _Stop as stop:
        return _stopped(report, stop)
    if found is None:
        return report("correct")
    inst, facts, findings = found.instance, found.facts, found.findings
    try:
        small = run.shrink(_primary(findings).key)
        if small is not None:
            new_facts, new_findings = run.judge(small)
            if new_findings:
                inst, facts, findings = small, new_facts, new_findings
        findings = run.locate(inst, facts, findings)
        findings = explain(inst, facts, findings, run.facts)
    except (_Stop, _TimeUp, Hang, Crash):
        pass  # report what the survey found, unshrunk
    findings.sort(key=lambda f: SEVERITY.index(f.kind))
    return report("incorrect", [Group(inst, tuple(findings))])


def _cause_finding(exc: Hang | Crash) -> Finding:
    if isinstance(exc, Hang):
        return Finding("timeout", exc.function, None,
                       f"{exc.function} did not return within {exc.seconds:.3g} s "
                       "(an infinite loop?)", {"seconds": round(exc.seconds, 3)})
    frame = _faulthandler_frame(exc.output)
    return Finding("crash", exc.function, None,
                   f"the process running {exc.function} died: {exc.how}",
                   {"frame": frame, "output": exc.output[-2000:]})


def _faulthandler_frame(output: str) -> str | None:
    """The innermost user frame of faulthandler's dump ('File "x.py", line 3 in f')."""
    for line in output.splitlines():
        match = re.match(r'\s*File "(.+)", line (\d+) in (.+)', line)
        if match and not os.path.abspath(match[1]).startswith(LIBRARY_PATHS):
            return f"{match[1]}:{match[2]} in {match[3].strip()}"
    return None


def _stopped(report: Callable[..., Report], stop: _Stop) -> Report:
    cause = stop.cause
    if isinstance(cause, Hang) and cause.ever_returned:
        return report("unknown", reason=f"time ran out while {cause.function} was running "
                      "(it had returned on earlier instances)")
    return report("incorrect", [Group(stop.instance, (_cause_finding(cause),), shrunk=False)])
