"""A question kind for the executor tests: its judge sleeps, crashes or answers on demand.
Imported by worker processes (the tests put this folder on PYTHONPATH)."""

from __future__ import annotations

import os
import time
from typing import Any

from verify.grading.question import Part, Question, QuestionConfig, QuestionGrade


class ScriptedQuestion(Question):
    def __init__(self, config: QuestionConfig) -> None:
        self.config = config
        self.fingerprint = "scripted"

    def read(self, node: Any) -> Any:
        return node

    def parts(self, answer: Any) -> list[Part]:
        return [Part(str(answer), answer)]

    def judge(self, part: Part, timeout: float | None) -> dict[str, Any]:
        if part.payload == "sleep":
            time.sleep(300)  # runaway: only the pool's kill stops it
        if part.payload == "crash":
            os._exit(3)
        if part.payload == "raise":
            raise ValueError("a bug in a judge")
        return {"echo": part.payload, "pid": os.getpid()}

    def grade(self, answer: Any, results: dict[str, dict[str, Any]]) -> QuestionGrade:
        raise NotImplementedError

    def echo(self, answer: Any) -> Any:
        return answer

    def identity(self, answer: Any) -> str:
        return str(answer)
