"""Stage: grading (worker process). Judge parts sent by the parent, one at a time.

Run as ``python -m verify.grading.worker``. The parent writes length-prefixed pickles on
stdin: first the prepared questions, then ``(index, qid, part, timeout)`` tasks; the
worker answers ``("ready", None)`` once, then ``(index, result)`` per task on its original
stdout (``print`` from any library goes to stderr instead, so it cannot corrupt the
channel). The worker dies with its parent: on EOF of stdin, by ``PR_SET_PDEATHSIG`` on
Linux, and by a watchdog thread that notices being re-parented, so a killed run leaves no
orphans. Pickles only ever come from the grading parent, never from students.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback
from typing import IO, Any

_HEADER = struct.Struct("<Q")


def send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message, or raises EOFError when the other side has gone."""
    head = _read_exactly(stream, _HEADER.size)
    return pickle.loads(_read_exactly(stream, _HEADER.unpack(head)[0]))


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def judge_part(questions: dict[str, Any], qid: str, part: Any,
               timeout: float | None) -> dict[str, Any]:
    """One part's result; a crash in the judge is an internal error for this part only."""
    try:
        return {"status": "judged", "result": questions[qid].judge(part, timeout)}
    except Exception as exc:  # noqa: BLE001 - one bad answer must not stop the class
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return {"status": "error", "message": f"internal error: {detail}"}


def _die_with_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux") and os.environ.get("VERIFY_GRADE_PDEATHSIG"):
        try:  # PR_SET_PDEATHSIG = 1: the kernel kills us when the parent thread exits
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    _die_with_parent()
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    inbox = sys.stdin.buffer
    try:
        questions = pickle.loads(receive(inbox))
        send(channel, ("ready", None))
        while True:
            index, qid, part, timeout = receive(inbox)
            send(channel, (index, judge_part(questions, qid, part, timeout)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return


if __name__ == "__main__":
    main()
