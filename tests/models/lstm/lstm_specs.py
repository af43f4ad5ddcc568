"""Spec texts shared by the LSTM formula tests (imported by plain module name, like
``lstm_cases``): a small ``model: lstm-cell`` spec whose three claims are correct."""

from __future__ import annotations

CORRECT_SPEC = """\
model: lstm-cell
name: small correct spec
define:
  dcf: dc + dh * o * (1 - tanh(c)**2)
claim:
  dc_total: dcf
  dc_prev: dcf * f
  db_f: dcf * c_prev * f * (1 - f)
"""
"""Claims on lines 6 (dc_total), 7 (dc_prev) and 8 (db_f)."""
