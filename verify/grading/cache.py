"""Stage: grading (cache). Judged parts stored by content hash, so re-grading after one
student resubmits only judges what changed, and ``--resume`` picks up an interrupted run.

The key of a part is the hash of its question's fingerprint (spec text, question config,
grading format version) and the part's normalised content. Only judged results are stored
(a timeout or a crash is tried again). Each entry is one small JSON file written
atomically (temporary file, then rename), so an interrupted run leaves no torn entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def default_dir() -> Path:
    env = os.environ.get("VERIFY_GRADE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verify" / "grade"


class Cache:
    def __init__(self, directory: Path | None, *, read: bool) -> None:
        self.directory = directory
        self.reading = read and directory is not None

    @staticmethod
    def key(fingerprint: str, part_key: str) -> str:
        return hashlib.sha256(f"{fingerprint}\x00{part_key}".encode()).hexdigest()

    def _file(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.reading:
            return None
        try:
            value: dict[str, Any] = json.loads(self._file(key).read_text(encoding="utf-8"))
            return value
        except (OSError, ValueError):
            return None

    def put(self, key: str, result: dict[str, Any]) -> None:
        if self.directory is None or result.get("status") != "judged":
            return
        path = self._file(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(result, out)  # key order kept: it shows in the records
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time
