"""Grading a class: ``verify grade ASSIGNMENT SUBMISSIONS...``.

Stage: grading (untrusted orchestration around the trusted checks). An assignment names
its questions once (:mod:`.assignment`); each question's spec is loaded and solved once, by
the question kind registered for its ``model:`` (:mod:`.kinds`). Submissions carry only
answers (:mod:`.submissions`). Every answer is split into parts judged independently and
deduplicated by content (:mod:`.plan`), run by an executor (:mod:`.executors`: a local
pool of kill-safe worker processes, or Dask), cached by content hash (:mod:`.cache`), scored
with partial credit and feedback at the chosen level (:mod:`.question`, :mod:`.feedback`),
and written in one of the formats in :mod:`.formats`.
"""
