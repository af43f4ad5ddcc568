"""A question whose judge only burns CPU: bench/grade_speed.py measures with it how much
parallelism the machine gives the grading pool (imported by the pool's workers)."""

from __future__ import annotations

import time
from typing import Any

from verify.grading.question import Part, Question, QuestionConfig, QuestionGrade


class BusyQuestion(Question):
    def __init__(self, config: QuestionConfig, seconds: float) -> None:
        self.config = config
        self.seconds = seconds
        self.fingerprint = "busy"

    def judge(self, part: Part, timeout: float | None) -> dict[str, Any]:
        end = time.process_time() + self.seconds
        while time.process_time() < end:
            pass
        return {"part": part.payload}

    def read(self, node: Any) -> Any:
        raise NotImplementedError

    def parts(self, answer: Any) -> list[Part]:
        raise NotImplementedError

    def grade(self, answer: Any, results: dict[str, dict[str, Any]]) -> QuestionGrade:
        raise NotImplementedError

    def echo(self, answer: Any) -> Any:
        raise NotImplementedError

    def identity(self, answer: Any) -> str:
        raise NotImplementedError
