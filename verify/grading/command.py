"""Command line: ``verify grade ASSIGNMENT SUBMISSIONS...`` (registered by :mod:`verify.cli`).

Exit codes: 0 when grading ran, whatever the students scored; 2 for a bad assignment file
or usage; 4 for an internal error (the grader failed, on the run or on some answer).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from verify.errors import ExitCode, SpecError
from verify.grading import cache as cache_mod
from verify.grading import executors, formats, plan, submissions
from verify.grading.assignment import load_assignment
from verify.grading.question import LEVELS

DEFAULT_TIMEOUT = 60.0


def add_parser(sub: Any) -> None:
    g = sub.add_parser("grade", help="grade a class's submissions against an assignment",
                       description="Grade submissions (directories holding answers.yaml, or "
                                   "YAML files, or folders of them) against an assignment.")
    g.add_argument("assignment", metavar="ASSIGNMENT")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    g.add_argument("--format", choices=formats.FORMATS, default="jsonl",
                   help="jsonl (default), csv, gradescope or prairielearn (one submission: "
                        "their results.json), junit")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: the number of CPUs)")
    g.add_argument("--executor", choices=("local", "dask"), default="local")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:port); without it --executor dask "
                        "starts a LocalCluster of --jobs workers")
    g.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="seconds per answer part before it is stopped and graded "
                        "'timeout' (default: the assignment's 'timeout:', else 60)")
    g.add_argument("--feedback", choices=LEVELS,
                   help="feedback level (default: the assignment's, else category)")
    g.add_argument("--cache", metavar="DIR",
                   help="reuse and store judged answers in DIR (default store: "
                        f"{cache_mod.default_dir()}, read only with --resume)")
    g.add_argument("--resume", action="store_true",
                   help="reuse what an interrupted run already judged")
    g.add_argument("--no-cache", action="store_true", help="neither read nor store")
    g.add_argument("--quiet", action="store_true", help="no progress on stderr")


class Progress:
    """A count with a rate on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.2 and done < total):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        sys.stderr.write(f"\rverify grade: {done}/{total} answers judged ({rate:.0f}/s)")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _usage(message: str) -> int:
    print(f"verify grade: {message}", file=sys.stderr)
    return int(ExitCode.SPEC_ERROR)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        return _usage("--jobs must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        return _usage("--timeout must be a positive number of seconds")
    if args.scheduler and args.executor != "dask":
        return _usage("--scheduler needs --executor dask")
    if args.executor == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            return _usage("--executor dask needs Dask: pip install 'verify[dask]'")
    try:
        assignment = load_assignment(args.assignment)
        found = submissions.find(args.submissions)
    except SpecError as err:
        print(f"verify grade: {err}", file=sys.stderr)
        return int(ExitCode.SPEC_ERROR)
    except submissions.UsageError as err:
        return _usage(str(err))
    if args.format in formats.SINGLE and len(found) != 1:
        return _usage(f"--format {args.format} writes the results.json of ONE submission; "
                      f"{len(found)} were given")
    try:
        return _grade(args, assignment, found)
    except Exception as exc:  # noqa: BLE001 - report a bug as exit 4, with its trace
        print(f"verify grade: INTERNAL ERROR (please report): {exc}\n"
              f"{traceback.format_exc()}", file=sys.stderr)
        return int(ExitCode.INTERNAL_ERROR)


def _grade(args: argparse.Namespace, assignment: Any, found: list[tuple[str, Path]]) -> int:
    level = args.feedback or assignment.feedback
    timeout = args.timeout or assignment.timeout or DEFAULT_TIMEOUT
    blob = plan.pickle_questions(assignment.questions)
    pool = None
    if args.executor == "local":  # workers start while the submissions are read
        pool = executors.LocalPool(blob, args.jobs, timeout)
        pool.start()
    try:
        return _grade_with(args, assignment, found, level, blob, pool)
    finally:
        if pool is not None:
            pool.close()


def _grade_with(args: argparse.Namespace, assignment: Any, found: list[tuple[str, Path]],
                level: str, blob: bytes, pool: executors.LocalPool | None) -> int:
    timeout = args.timeout or assignment.timeout or DEFAULT_TIMEOUT
    subs = [submissions.read(assignment, student, path) for student, path in found]
    directory = None if args.no_cache else (Path(args.cache) if args.cache
                                            else cache_mod.default_dir())
    cache = cache_mod.Cache(directory, read=bool(args.cache or args.resume))

    def execute(blob: bytes, tasks: list[executors.Task], on_result: Any) -> None:
        if args.executor == "dask":
            executors.run_dask(blob, tasks, args.jobs, timeout, on_result,
                               scheduler=args.scheduler)
        else:
            assert pool is not None
            pool.run(tasks, on_result)

    progress = Progress(sys.stderr.isatty() and not args.quiet)
    outcome = plan.grade(assignment, subs, cache, execute, progress, blob)
    identical = plan.groups(assignment, subs)
    text = formats.write(args.format, assignment, outcome.records, level, identical, subs)
    sys.stdout.write(text)
    sys.stdout.flush()
    if progress.enabled:
        sys.stderr.write(f"verify grade: {len(subs)} submissions, {outcome.distinct} distinct "
                         f"answer parts ({outcome.cached} from the cache, {outcome.judged} "
                         f"judged) in {time.monotonic() - progress.start:.1f} s\n")
    if any(c.verdict == "error" for r in outcome.records for c in r.grade.components):
        return int(ExitCode.INTERNAL_ERROR)
    return int(ExitCode.OK)
