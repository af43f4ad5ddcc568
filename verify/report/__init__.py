"""Stage: report. Renderers that turn checked results into text and JSON."""
