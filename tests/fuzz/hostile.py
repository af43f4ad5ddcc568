"""Running a spec through the command line in process, as an attacker would feed it, and
checking what must hold whatever the spec: a documented exit code, no traceback, nothing on
stderr, no file created, time and memory bounded."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest

from verify.cli import main

# Hang detectors, not benchmarks: generous multiples of what --timeout 1 allows, counted
# in CPU time (a loaded machine stretches wall time, not this), while a spec that ran
# unbounded (the reproducers took minutes) would fail them.
CPU_SECONDS = 20.0
PEAK_BYTES = 400 * 2**20


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float  # CPU time of this process during the run
    peak: int  # bytes allocated by Python at the peak (tracemalloc), 0 if not traced


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run_cli(capsys: pytest.CaptureFixture[str], spec: Path, *extra: str,
            trace_memory: bool = False, timeout: str | None = "1") -> Run:
    """``verify check --timeout 1 --format json SPEC`` in process, with its invariants.
    (``timeout=None``: without ``--timeout``, for an exit code that does not depend on the
    machine's load.)"""
    before, cwd_before = _listing(spec.parent), set(os.listdir("."))
    capsys.readouterr()
    if trace_memory:
        tracemalloc.start()
    start = time.process_time()
    try:
        limit = ["--timeout", timeout] if timeout is not None else []
        code = main(["check", *limit, "--format", "json", *extra, str(spec)])
    finally:
        seconds = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
        if trace_memory:
            tracemalloc.stop()
    out, err = capsys.readouterr()
    run = Run(code, out, err, seconds, peak)
    assert code in (0, 1, 2, 3), (code, out[:2000])  # 4 would be an internal error
    assert "Traceback" not in out + err and "internal error" not in out.lower(), out[:2000]
    assert err == "", err[:2000]  # no warnings, no stray prints
    for line in out.splitlines():
        record = json.loads(line)  # JSON mode prints JSON only
        assert record["status"] in ("realizable", "unrealizable", "unknown", "error")
    assert _listing(spec.parent) == before and set(os.listdir(".")) == cwd_before
    assert seconds < CPU_SECONDS, seconds
    assert peak < PEAK_BYTES, peak
    return run
