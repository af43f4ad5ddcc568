"""One in-process grading of the example class (without the runaway answer, which
test_example_class.py grades through the real command), shared by the grading tests."""

from __future__ import annotations

import pytest
from grading_helpers import EXPECTED, grade, load, read_class

QUICK = sorted(s for s in EXPECTED if s != "oscar")


@pytest.fixture(scope="session")
def example():
    assignment = load()
    subs = read_class(assignment, QUICK)
    return assignment, subs, grade(assignment, subs, jobs=2)
