"""Bar charts and histograms as inline SVG, for ``report.html``.

Each function returns one ``<svg>`` element (no script, no external reference, no font file):
its texts are real text, in the page's own fonts, so any character a label holds is shown by
the browser's font fallback, copied, searched and read by a screen reader (``role='img'`` with
the chart's title as its accessible name). Every text is XML-escaped here.

Geometry is in CSS pixels. Text widths are estimated (``CHAR_EM`` of the font size per
character, a sans-serif's mean advance); the estimate only sizes the margins: labels are
anchored at the axis (``text-anchor``), so a wider font shifts them outwards, never onto a bar.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

FONT = ('-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Helvetica Neue",Arial,'
        "sans-serif")
FONT_PX = 12  #: labels and ticks
TITLE_PX = 14
SMALL_PX = 11  #: the values written at the end of bars
CHAR_EM = 0.6  #: estimated advance of one character, in units of the font size
LINE = 1.25  #: line height, in units of the font size
INK, MUTED, GRID = "#1f2933", "#52606d", "#e4e7eb"


@dataclass(frozen=True)
class ValueAxis:
    """The axis of values: its label, its ticks (ascending, the first 0) and their texts;
    the axis ends at the last tick."""

    label: str
    ticks: list[float]
    texts: list[str]

    @property
    def top(self) -> float:
        return self.ticks[-1] if self.ticks and self.ticks[-1] > 0 else 1.0


def percent_axis(label: str) -> ValueAxis:
    """An axis of percentages: 0 to 100, a tick every 25."""
    return ValueAxis(label, [0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"])


def count_axis(label: str, largest: float, most: int = 8) -> ValueAxis:
    """An axis of counts: whole-number ticks 0, s, 2s, ... with s in 1, 2, 5, 10, 20, 50, ...
    (at most ``most`` intervals), up to the first tick >= ``largest`` (at least 1)."""
    largest = max(float(largest), 1.0)
    step = 1
    while math.ceil(largest / step) > most:
        step = _next_step(step)
    n = math.ceil(largest / step)
    ticks = [float(i * step) for i in range(n + 1)]
    return ValueAxis(label, ticks, [str(i * step) for i in range(n + 1)])


def _next_step(step: int) -> int:
    """1 -> 2 -> 5 -> 10 -> 20 -> 50 -> 100 ..."""
    lead = int(str(step)[0])
    return step * 5 // 2 if lead == 2 else step * 2


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _width(text: str, px: float = FONT_PX) -> float:
    """Estimated width in pixels of the longest line of ``text``."""
    return max((len(line) for line in text.split("\n")), default=0) * px * CHAR_EM


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _text(x: float, y: float, text: str, role: str, *, anchor: str = "middle", px: float = FONT_PX,
          fill: str = INK, extra: str = "", center_lines: bool = False) -> str:
    """A ``<text>`` at (x, y) (the first line's baseline); lines of ``text`` as ``<tspan>``s;
    ``center_lines``: the block of lines is centred vertically on y instead. ``role`` is its
    class: ``title``, ``label`` (the axis of values), ``tick`` (its ticks), ``category`` (a
    bar's label), ``x-label`` and ``x-tick`` (a histogram's axis), ``value`` (a bar's value)."""
    lines = text.split("\n")
    dy0 = -(len(lines) - 1) * px * LINE / 2 if center_lines else 0.0
    spans = "".join(f"<tspan x='{x:.1f}' dy='{(dy0 if i == 0 else px * LINE):.1f}'>{_e(line)}</tspan>"
                    for i, line in enumerate(lines))
    return (f"<text class='{role}' x='{x:.1f}' y='{y:.1f}' font-size='{px}' fill='{fill}' "
            f"text-anchor='{anchor}'{extra}>{spans}</text>")


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    """The ``<svg>`` element: ``width`` grows to hold the title, centred above the chart."""
    w, h = math.ceil(max(width, _width(title, TITLE_PX) + 24)), math.ceil(height)
    return (f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{w}' height='{h}' "
            f"viewBox='0 0 {w} {h}' font-family='{_e(FONT)}'><title>{_e(title)}</title>"
            + _text(w / 2, TITLE_PX + 4, title, "title", px=TITLE_PX) + "".join(body) + "</svg>")


def bars(title: str, labels: list[str], values: list[float], axis: ValueAxis, color: str, *,
         horizontal: bool = False, bar_texts: list[str] | None = None, bar_px: float | None = None
         ) -> str:
    """One bar per label (``labels[i]`` may hold line breaks), ``values[i]`` on ``axis``;
    vertical bars left to right, or ``horizontal`` bars top to bottom; ``bar_texts`` written
    at the end of each bar; ``bar_px``: the bars' band (width, or height when horizontal)."""
    vals = [max(0.0, min(float(v), axis.top)) for v in values]
    if horizontal:
        return _hbars(title, labels, vals, axis, color, bar_texts, bar_px)
    return _vbars(title, labels, vals, axis, color, bar_texts, bar_px)


def _vbars(title: str, labels: list[str], vals: list[float], axis: ValueAxis, color: str,
           bar_texts: list[str] | None, band: float | None) -> str:
    lines = max((_lines(lb) for lb in labels), default=1)
    band = band or max(46.0, max((_width(lb) for lb in labels), default=0) + 12)
    left = _left_margin(axis)
    top = TITLE_PX * 2 + (SMALL_PX * LINE if bar_texts else 0)
    plot_h = 180.0
    bottom = 8 + lines * FONT_PX * LINE + 6
    plot_w = band * len(vals)
    body = _value_axis_v(axis, left, top, plot_w, plot_h)
    for i, (lb, v) in enumerate(zip(labels, vals)):
        x0 = left + i * band
        h = plot_h * v / axis.top
        body.append(_rect(x0 + band * 0.15, top + plot_h - h, band * 0.7, h, color))
        body.append(_text(x0 + band / 2, top + plot_h + 4 + FONT_PX, lb, "category"))
        if bar_texts:
            body.append(_text(x0 + band / 2, top + plot_h - h - 4, bar_texts[i], "value", px=SMALL_PX))
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h))
    return _svg(left + plot_w + 12, top + plot_h + bottom, title, body)


def _hbars(title: str, labels: list[str], vals: list[float], axis: ValueAxis, color: str,
           bar_texts: list[str] | None, band: float | None) -> str:
    lines = max((_lines(lb) for lb in labels), default=1)
    band = band or max(20.0, lines * FONT_PX * LINE + 8)
    left = 8 + max((_width(lb) for lb in labels), default=0) + 10
    top = TITLE_PX * 2
    plot_w = 320.0
    plot_h = band * len(vals)
    right = 12 + (max(_width(t, SMALL_PX) for t in bar_texts) + 6 if bar_texts else 0)
    body = _value_axis_h(axis, left, top, plot_w, plot_h)
    for i, (lb, v) in enumerate(zip(labels, vals)):
        y0 = top + i * band
        w = plot_w * v / axis.top
        body.append(_rect(left, y0 + band * 0.15, w, band * 0.7, color))
        body.append(_text(left - 6, y0 + band / 2 + FONT_PX * 0.35, lb, "category", anchor="end",
                          center_lines=True))
        if bar_texts:
            body.append(_text(left + w + 4, y0 + band / 2 + SMALL_PX * 0.35, bar_texts[i], "value",
                              anchor="start", px=SMALL_PX))
    body.append(_line(left, top, left, top + plot_h))
    return _svg(left + plot_w + right, top + plot_h + 8 + FONT_PX * LINE * 2 + 8, title, body)


def histogram(title: str, counts: list[int], edges: list[float], x_label: str, edge_texts: list[str],
              axis: ValueAxis, color: str) -> str:
    """``counts[i]``, the number of values in the bin from ``edges[i]`` to ``edges[i+1]``, as
    touching bars on a continuous x axis with a tick at each edge (``edge_texts``); ``axis``
    counts."""
    left = _left_margin(axis)
    top, plot_w, plot_h = TITLE_PX * 2, 360.0, 180.0
    span = (edges[-1] - edges[0]) or 1.0

    def x(v: float) -> float:
        return left + plot_w * (v - edges[0]) / span

    body = _value_axis_v(axis, left, top, plot_w, plot_h)
    for i, c in enumerate(counts):
        h = plot_h * min(c, axis.top) / axis.top
        body.append(_rect(x(edges[i]), top + plot_h - h, x(edges[i + 1]) - x(edges[i]), h, color,
                          " stroke='#fff' stroke-width='1'"))
    for e, t in zip(edges, edge_texts):
        body.append(_line(x(e), top + plot_h, x(e), top + plot_h + 4, MUTED))
        body.append(_text(x(e), top + plot_h + 6 + FONT_PX, t, "x-tick"))
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h))
    body.append(_text(left + plot_w / 2, top + plot_h + 10 + FONT_PX * (1 + LINE), x_label, "x-label"))
    return _svg(left + plot_w + 16, top + plot_h + 14 + FONT_PX * (1 + 2 * LINE), title, body)


def _rect(x: float, y: float, w: float, h: float, color: str, extra: str = "") -> str:
    return (f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' fill='{color}'"
            f"{extra}/>")


def _left_margin(axis: ValueAxis) -> float:
    """Room for a vertical axis of values on the left: its rotated label and tick texts."""
    return 8 + FONT_PX * LINE + 4 + max(_width(t) for t in axis.texts) + 8


def _line(x1: float, y1: float, x2: float, y2: float, color: str = MUTED) -> str:
    return (f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{color}' "
            "stroke-width='1'/>")


def _value_axis_v(axis: ValueAxis, left: float, top: float, plot_w: float, plot_h: float) -> list[str]:
    """The vertical axis of values on the left: grid lines, ticks, their texts, its label."""
    out = [_line(left, top, left, top + plot_h)]
    for v, t in zip(axis.ticks, axis.texts):
        y = top + plot_h - plot_h * v / axis.top
        if v:
            out.append(_line(left, y, left + plot_w, y, GRID))
        out.append(_line(left - 4, y, left, y))
        out.append(_text(left - 6, y + FONT_PX * 0.35, t, "tick", anchor="end"))
    cy = top + plot_h / 2
    out.append(_text(8 + FONT_PX, cy, axis.label, "label", extra=f" transform='rotate(-90 {8 + FONT_PX:.1f} {cy:.1f})'"))
    return out


def _value_axis_h(axis: ValueAxis, left: float, top: float, plot_w: float, plot_h: float) -> list[str]:
    """The horizontal axis of values under the bars: grid lines, ticks, their texts, its label."""
    base = top + plot_h
    out = [_line(left, base, left + plot_w, base)]
    for v, t in zip(axis.ticks, axis.texts):
        x = left + plot_w * v / axis.top
        if v:
            out.append(_line(x, top, x, base, GRID))
        out.append(_line(x, base, x, base + 4))
        out.append(_text(x, base + 6 + FONT_PX, t, "tick"))
    out.append(_text(left + plot_w / 2, base + 10 + FONT_PX * (1 + LINE), axis.label, "label"))
    return out
