"""The page shell and style of the grader's HTML (``report.html`` and ``feedback/<student>.html``):
one self-contained page each (inline CSS, charts as inline SVG, no script, no web font, no
network), in the course language, readable on screen and on paper.

Fonts: the system's sans-serif (DejaVu Sans on Debian, Segoe UI on Windows, the system font on
macOS); the pages use no emoji, only words and glyphs those fonts all have (✓ ✗ – …)."""

from __future__ import annotations

import html

CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--head:#f0f4f8;--accent:#2f5d8a;
--ok:#1e7b34;--ko:#b42318;--warn:#8a5a00}
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:#fff;line-height:1.45;font-size:15px;max-width:76em;margin:0 auto;padding:1.5em 2em 3em}
h1{font-size:1.7em;margin:.2em 0 .6em;color:var(--accent)}
h2{font-size:1.25em;margin:1.8em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--line)}
h3{font-size:1.05em;margin:1.2em 0 .4em}
p{margin:.4em 0 .8em}
a{color:var(--accent)}
code{font-family:"DejaVu Sans Mono",Consolas,Menlo,monospace;font-size:.9em;background:var(--head);
padding:0 .25em;border-radius:3px}
ul{padding-left:1.4em}
li{margin:.15em 0}
li.pass,li.fail{list-style:none;margin-left:-1.2em;padding-left:1.2em;text-indent:-1.2em}
li .mark{font-weight:700;display:inline-block;width:1.2em;text-indent:0}
li.pass .mark{color:var(--ok)}
li.fail .mark{color:var(--ko)}
body.feedback{max-width:54em}
td code,table.names td:first-child{white-space:nowrap}
body.report{max-width:100em}
.wide{overflow-x:auto}
table{border-collapse:collapse;margin:.4em 0 1em;min-width:40%}
th,td{padding:.35em .7em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600}
tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.muted,.note{color:var(--muted)}
.note{font-size:.9em;max-width:60em}
.ok{color:var(--ok);font-weight:600}
.ko{color:var(--ko);font-weight:600}
.warn{color:var(--warn)}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:.6em 0 1em}
.card{border:1px solid var(--line);border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.5em;color:var(--accent)}
.figs{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.6em;max-width:100%}
figure img,figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.9em;color:var(--muted);max-width:34em;margin-top:.4em}
@media print{body{max-width:none;padding:0}.wide{overflow:visible}a{color:inherit}}
"""


def html_page(title: str, body: str, lang: str, kind: str = "report") -> str:
    """A complete page: ``body`` (HTML, already escaped) under the common style; ``title`` is
    plain text; ``kind`` ("report" or "feedback", the body's class) sets the width."""
    return (f"<!DOCTYPE html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body class='{html.escape(kind)}'>\n"
            f"{body}\n</body></html>\n")
