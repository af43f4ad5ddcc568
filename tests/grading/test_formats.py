"""The five formats, held to their schemas and to hand-computed scores.

Gradescope: the autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications", Output format): top-level ``score``, ``output``, ``tests``; each test
``score``, ``max_score``, ``status`` (passed | failed), ``name``, ``output``,
``visibility`` (hidden | after_due_date | after_published | visible).
PrairieLearn: docs/externalGrading.md, "Grading results": ``score`` in [0, 1] (needed when
gradable), ``gradable``, ``format_errors`` (string or list of strings), ``message``,
``tests[]`` with ``name``, ``points``, ``max_points``, ``message``, ``output``.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from grading_helpers import EXPECTED, TOTALS

from verify.grading import formats, plan

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (the test extra) checks "
                                                      "the results.json schemas")

VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]
GRADESCOPE = {
    "type": "object", "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number"}, "output": {"type": "string"},
        "execution_time": {"type": "number"}, "visibility": {"enum": VISIBILITY},
        "stdout_visibility": {"enum": VISIBILITY}, "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["score", "max_score", "name", "status", "output",
                                           "visibility"],
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "name_format": {"type": "string"}, "number": {"type": "string"},
                "output": {"type": "string"}, "output_format": {"type": "string"},
                "tags": {"type": "array"}, "visibility": {"enum": VISIBILITY},
                "extra_data": {"type": "object"}}}}},
    "additionalProperties": False,
}
PRAIRIELEARN = {
    "type": "object", "required": ["gradable"],
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"}, "output": {"type": "string"},
        "format_errors": {"oneOf": [{"type": "string"},
                                    {"type": "array", "items": {"type": "string"}}]},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["name", "points", "max_points"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                           "points": {"type": "number"}, "max_points": {"type": "number"},
                           "message": {"type": "string"}, "output": {"type": "string"}}}}},
    "if": {"properties": {"gradable": {"const": True}}},
    "then": {"required": ["score"]},
    "else": {"required": ["format_errors"]},
    "additionalProperties": False,
}


def _single(example, student: str, fmt: str) -> dict:
    assignment, subs, outcome = example
    sub = next(s for s in subs if s.student == student)
    records = [r for r in outcome.records if r.student == student]
    return json.loads(formats.write(fmt, assignment, records, "category", [], [sub]))


@pytest.mark.parametrize("student", sorted(EXPECTED.keys() - {"oscar"}))
def test_gradescope_results_follow_the_schema_and_the_scores(example, student) -> None:
    out = _single(example, student, "gradescope")
    jsonschema.validate(out, GRADESCOPE)
    assert out["score"] == TOTALS[student]
    assert [(t["score"], t["max_score"]) for t in out["tests"]] == [
        (EXPECTED[student][q][0], cap) for q, cap in (("q1a", 4), ("q1b", 6), ("q1c", 2),
                                                      ("q2", 10))]
    assert [t["status"] for t in out["tests"]] == [
        "passed" if EXPECTED[student][q][1] == "correct" else "failed"
        for q in ("q1a", "q1b", "q1c", "q2")]


def test_gradescope_schema_rejects_a_wrong_field_name(example) -> None:
    out = _single(example, "bob", "gradescope")
    out["tests"][0]["points"] = out["tests"][0].pop("score")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(out, GRADESCOPE)


@pytest.mark.parametrize("student", ["alice", "bob", "carol"])
def test_prairielearn_gradable_score_is_a_fraction(example, student) -> None:
    out = _single(example, student, "prairielearn")
    jsonschema.validate(out, PRAIRIELEARN)
    assert out["gradable"] is True
    assert out["score"] == pytest.approx(TOTALS[student] / 22)
    assert [(t["name"], t["points"], t["max_points"]) for t in out["tests"]] == [
        (q, EXPECTED[student][q][0], cap) for q, cap in (("q1a", 4), ("q1b", 6), ("q1c", 2),
                                                         ("q2", 10))]


@pytest.mark.parametrize("student,needle", [("erin", "YAML syntax error"),
                                            ("dave", "syntax error"),
                                            ("ivan", "missing required key 'b'"),
                                            ("frank", "'q1' is not a question")])
def test_prairielearn_unreadable_is_not_gradable(example, student, needle) -> None:
    out = _single(example, student, "prairielearn")
    jsonschema.validate(out, PRAIRIELEARN)
    assert out["gradable"] is False and "score" not in out
    assert any(needle in e for e in out["format_errors"])


def test_csv_has_a_row_per_student_and_a_total(example) -> None:
    assignment, subs, outcome = example
    rows = list(csv.DictReader(io.StringIO(formats.write("csv", assignment, outcome.records,
                                                         "category", [], subs))))
    assert [(r["student"], float(r["total"])) for r in rows] == [
        (s, TOTALS[s]) for s in sorted(EXPECTED) if s != "oscar"]
    bob = next(r for r in rows if r["student"] == "bob")
    assert [float(bob[q]) for q in ("q1a", "q1b", "q1c", "q2")] == [0, 2, 0, 5]


def test_junit_parses_with_a_real_xml_parser(example) -> None:
    assignment, subs, outcome = example
    records = [r for r in outcome.records if r.student in ("alice", "carol")]
    root = ET.fromstring(formats.write("junit", assignment, records, "category", [], subs))
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (s, q) for s in ("alice", "carol") for q in ("q1a", "q1b", "q1c", "q2")]
    failed = {(c.get("classname"), c.get("name")): c.find("failure").get("type")
              for c in cases if c.find("failure") is not None}
    assert failed == {("carol", "q1a"): "wrong-verdict", ("carol", "q1b"): "missing-argument",
                      ("carol", "q2"): "formula-wrong-value"}
    assert root.get("tests") == "8" and root.get("failures") == "3"
    props = {p.get("name"): p.get("value") for p in cases[-1].iter("property")}
    assert props == {"points": "5", "max_points": "10"}


def test_jsonl_summary_counts_and_mean(example) -> None:
    assignment, subs, outcome = example
    lines = formats.write("jsonl", assignment, outcome.records, "category",
                          plan.groups(assignment, subs), subs).splitlines()
    summary = json.loads(lines[-1])["summary"]
    quick = [s for s in EXPECTED if s != "oscar"]
    assert summary["mean_points"] == pytest.approx(sum(TOTALS[s] for s in quick) / len(quick))
    assert summary["reasons"]["unreadable"] == 4 + 1 + 1  # erin's four, dave's q2, ivan's q1a
    assert len(lines) == len(quick) * 4 + 1
