"""Stage: report (HTML). ``verify check --format html``: one self-contained page per run.

A summary table, then one section per spec: the verdict, the text report (which holds
the trace of a claimed witness and the certificate), the picture inline (SVG, when
matplotlib is installed) and the JSON payload. No external files, fonts or scripts: the
page opens from disk or as an e-mail attachment. Everything from specs is escaped.
"""

from __future__ import annotations

import html
import io
import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from verify import __version__
from verify.outcome import Outcome

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
 padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin:0 0 .4em 0;word-break:break-all}
table.summary{border-collapse:collapse;margin:1em 0}
table.summary td,table.summary th{border:1px solid #ccc;padding:.3em .7em;text-align:left}
section.spec{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1.4em 0}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;white-space:pre-wrap;font-size:.85em;line-height:1.35}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:600;
 font-size:.85em;color:#fff}
.ok{background:#27ae60}.incorrect{background:#c0392b}.unknown{background:#d68910}
.error{background:#7f8c8d}.picture svg{max-width:100%;height:auto}
"""
# Proves in a test that a real browser parsed the page: it counts the sections it laid out.
SCRIPT = ("document.body.dataset.sections="
          "String(document.querySelectorAll('section.spec').length);")


def _badge(outcome: Outcome) -> tuple[str, str]:
    claim = outcome.payload.get("claim")
    verdict = claim.get("verdict") if isinstance(claim, dict) else None
    if outcome.status == "error":
        return "error", "error"
    if outcome.status == "unknown" or verdict == "unknown":
        return "unknown", "unknown"
    if verdict == "incorrect":
        return "incorrect", "claim incorrect"
    return "ok", "ok"


def _can_plot() -> bool:
    from verify.report.plot import PlotUnavailable, require_matplotlib
    try:
        require_matplotlib()
    except PlotUnavailable:
        return False
    return True


def _svg(outcome: Outcome) -> str | None:
    """The spec's picture as inline SVG, or None (no matplotlib, or no picture)."""
    from verify.report.plot import draw_one
    if outcome.status == "error" or not _can_plot():
        return None
    with tempfile.TemporaryDirectory(prefix="verify-html-") as tmp:
        path = Path(tmp) / "picture.svg"
        if not draw_one(outcome, path, "svg"):
            return None
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", text)
    return text


def _section(i: int, outcome: Outcome, pictures: bool) -> str:
    css, word = _badge(outcome)
    name = outcome.payload.get("name")
    head = html.escape(outcome.spec) + (f" — {html.escape(str(name))}" if name else "")
    parts = [f'<section class="spec" id="spec-{i}" data-spec="{html.escape(outcome.spec)}">',
             f'<h2>{head}</h2>',
             (f'<p><span class="badge {css}">{word}</span> status: '
              f'<b>{html.escape(outcome.status)}</b>, exit code {int(outcome.exit_code)}</p>'),
             f"<pre>{html.escape(outcome.text)}</pre>"]
    svg = _svg(outcome) if pictures else None
    if svg:
        parts.append(f'<div class="picture">{svg}</div>')
    elif pictures and outcome.status != "error" and not _can_plot():
        parts.append("<p><small>(no picture: install matplotlib, "
                     "<code>pip install 'verify[plot]'</code>)</small></p>")
    payload = json.dumps(outcome.to_json(), ensure_ascii=False, indent=1)
    parts.append(f"<details><summary>JSON</summary><pre>{html.escape(payload)}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def page(outcomes: Sequence[Outcome], summary: str, *, pictures: bool = True) -> str:
    """The whole report as one HTML document."""
    out = io.StringIO()
    out.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
              '<meta name="viewport" content="width=device-width, initial-scale=1">'
              f"<title>verify report</title><style>{STYLE}</style></head><body>\n")
    out.write(f"<h1>verify report</h1>\n<p>{html.escape(summary)} "
              f"<small>(verify {__version__})</small></p>\n")
    out.write('<table class="summary"><tr><th>spec</th><th>status</th><th>claim</th>'
              "<th>exit</th></tr>\n")
    for i, o in enumerate(outcomes):
        claim = o.payload.get("claim")
        verdict = claim.get("verdict", "") if isinstance(claim, dict) else ""
        css, _ = _badge(o)
        out.write(f'<tr><td><a href="#spec-{i}">{html.escape(o.spec)}</a></td>'
                  f'<td><span class="badge {css}">{html.escape(o.status)}</span></td>'
                  f"<td>{html.escape(verdict)}</td><td>{int(o.exit_code)}</td></tr>\n")
    out.write("</table>\n")
    for i, o in enumerate(outcomes):
        out.write(_section(i, o, pictures) + "\n")
    out.write(f"<script>{SCRIPT}</script>\n</body></html>\n")
    return out.getvalue()
