"""The report's charts, as SVG written here: no dependency, nothing to fetch, the same bytes for
the same numbers, and readable without JavaScript.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (what a screen
reader says), every mark carries a `<title>` (the browser's own tooltip on hover, no script),
and the page puts a table of the same numbers beside each chart. Colours are Okabe and Ito's
palette, which reads under every common colour-vision deficiency; where a colour carries
meaning, a shape or a label carries it too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evidence.report.html import Html, el, join, void
from evidence.report.numbers import coordinate as c
from evidence.report.numbers import points, short

BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, GREY, INK, GRID = "#56B4E9", "#CC79A7", "#767676", "#222222", "#DDDDDD"
WIDTH = 640
LABEL_CHARS = 28  # longer labels are cut, with the whole label in the mark's <title>


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Bar:
    """One bar: a rate in [0, 1], the text at its end, and its tooltip."""

    value: float
    label: str
    hover: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Interval:
    """One row of a forest plot: a delta and its interval, or a heading when `heading`."""

    label: str
    delta: float = 0.0
    low: float = 0.0
    high: float = 0.0
    note: str = ""
    significant: bool = False
    heading: bool = False


def _figure(chart_id: str, title: str, desc: str, height: float, *body: str,
            width: float = WIDTH) -> Html:
    return el("svg", el("title", title, id=f"{chart_id}-t"), el("desc", desc, id=f"{chart_id}-d"),
              *body, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {c(width)} {c(height)}",
              role="img", aria_labelledby=f"{chart_id}-t {chart_id}-d", class_="chart",
              id=chart_id)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _text(content: str, x: float, y: float, anchor: str = "start", **extra: str) -> Html:
    return el("text", content, x=c(x), y=c(y), text_anchor=anchor, **extra)


def _legend(series: Sequence[Series], y: float) -> Html:
    items = []
    for index, one in enumerate(series):
        x = 8 + index * 150
        items.append(void("rect", x=c(x), y=c(y - 9), width=10, height=10, fill=one.colour))
        items.append(_text(one.name, x + 14, y, class_="legend"))
    return join(items)


def _rate_axis(left: float, width: float, top: float, bottom: float) -> Html:
    marks = []
    for tick in (0, 25, 50, 75, 100):
        x = left + width * tick / 100
        marks.append(void("line", x1=c(x), x2=c(x), y1=c(top), y2=c(bottom), stroke=GRID))
        marks.append(_text(f"{tick} %", x, bottom + 14, "middle", class_="tick"))
    return join(marks)


def rate_bars(chart_id: str, title: str, desc: str, series: Sequence[Series],
              groups: Sequence[BarGroup]) -> Html:
    """Horizontal bars, one group per label and one bar per series, on a 0 to 100 % axis."""
    bar, gap, pad, top = 12, 3, 9, 26
    left = 14 + 7.2 * max([len(_cut(group.label)) for group in groups] + [4])
    width = WIDTH - left - 78
    step = len(series) * (bar + gap) + pad
    bottom = top + step * len(groups)
    marks: list[str] = [_legend(series, 14), _rate_axis(left, width, top - 4, bottom)]
    for row, group in enumerate(groups):
        y = top + row * step
        marks.append(el("text", el("title", group.label), _cut(group.label), x=c(left - 8),
                        y=c(y + len(series) * (bar + gap) / 2 + 3), text_anchor="end",
                        class_="label"))
        for index, (one, value) in enumerate(zip(series, group.bars, strict=True)):
            by = y + index * (bar + gap)
            marks.append(el("rect", el("title", value.hover), x=c(left), y=c(by),
                            width=c(max(width * value.value, 0.5)), height=bar, fill=one.colour))
            marks.append(_text(value.label, left + width * value.value + 4, by + bar - 2,
                               class_="value"))
    return _figure(chart_id, title, desc, bottom + 22, *marks)


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round axis ticks (1, 2 or 5 times a power of ten) that cover [low, high]; with `whole`,
    whole numbers only (steps)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        low, high = (low - 1, high + 1) if low == 0 else (low - abs(low) / 2, high + abs(high) / 2)
    raw = max((high - low) / count, 1.0) if whole else (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(k * step, 12) for k in range(first, last + 1)]


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """A tick's label with as many decimals as the ticks' step needs, and no more."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    if abs(value) >= 1000 and step >= 1:
        return f"{value:,.0f}"
    if step < 1e-3 or abs(value) >= 1e6:
        return f"{value:.2g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{value:.{decimals}f}"


def _scale(value: float, ticks: Sequence[float], start: float, span: float) -> float:
    return start + span * (value - ticks[0]) / (ticks[-1] - ticks[0])


def line_chart(chart_id: str, title: str, desc: str, xs: Sequence[float], ys: Sequence[float],
               y_name: str, colour: str, hover_points: int = 300) -> Html:
    """A line of y over the step, with a dot and a tooltip per point when there are few."""
    width = 420.0
    left, right, top, bottom = 58.0, width - 14.0, 10.0, 170.0
    x_ticks = nice_ticks(min(xs), max(xs), 4, whole=True)
    y_ticks = nice_ticks(min(ys), max(ys), 4)
    marks: list[str] = []
    for tick in y_ticks:
        y = _scale(tick, y_ticks, bottom, top - bottom)
        marks.append(void("line", x1=c(left), x2=c(right), y1=c(y), y2=c(y), stroke=GRID))
        marks.append(_text(tick_label(tick, y_ticks), left - 6, y + 4, "end", class_="tick"))
    for tick in x_ticks:
        x = _scale(tick, x_ticks, left, right - left)
        marks.append(_text(tick_label(tick, x_ticks), x, bottom + 16, "middle", class_="tick"))
    spots = [(_scale(x, x_ticks, left, right - left), _scale(y, y_ticks, bottom, top - bottom))
             for x, y in zip(xs, ys, strict=True)]
    marks.append(void("polyline", points=" ".join(f"{c(x)},{c(y)}" for x, y in spots),
                      fill="none", stroke=colour, stroke_width=2))
    if len(spots) <= hover_points:
        marks += [el("circle", el("title", f"step {short(x)}: {y_name} {y:.4g}"), cx=c(sx),
                     cy=c(sy), r=3, fill=colour) for (sx, sy), x, y in zip(spots, xs, ys,
                                                                           strict=True)]
    marks.append(_text("step", (left + right) / 2, bottom + 32, "middle", class_="axis"))
    return _figure(chart_id, title, desc, bottom + 40, *marks, width=width)


def _interval_colour(row: Interval) -> str:
    if not row.significant:
        return GREY
    return BLUE if row.delta > 0 else VERMILLION


def _interval_marks(row: Interval, y: float, left: float, width: float,
                    ticks: Sequence[float]) -> list[str]:
    colour = _interval_colour(row)
    low, mid, high = (_scale(v, ticks, left, width) for v in (row.low, row.delta, row.high))
    hover = el("title", f"{row.label}: {points(row.delta)}, 95 % interval "
                        f"[{points(row.low)}, {points(row.high)}]; {row.note}")
    # significance is told by the shape too (a square), not by colour alone
    dot = el("rect", hover, x=c(mid - 5), y=c(y - 5), width=10, height=10, fill=colour) \
        if row.significant else el("circle", hover, cx=c(mid), cy=c(y), r=5, fill=colour)
    return [void("line", x1=c(low), x2=c(high), y1=c(y), y2=c(y), stroke=colour,
                 stroke_width=2), dot]


def forest_plot(chart_id: str, title: str, desc: str, rows: Sequence[Interval]) -> Html:
    """Each scope's delta with its 95 % interval, on an axis in percentage points around 0."""
    left, width, line, top = 200.0, 240.0, 20.0, 10.0
    reach = max([abs(v) for row in rows for v in (row.low, row.high)] + [0.01])
    ticks = nice_ticks(-reach, reach, 4)
    bottom = top + line * len(rows) + 4
    zero = _scale(0.0, ticks, left, width)
    marks: list[str] = []
    for tick in ticks:
        x = _scale(tick, ticks, left, width)
        marks.append(void("line", x1=c(x), x2=c(x), y1=c(top), y2=c(bottom), stroke=GRID))
        marks.append(_text(f"{short(tick * 100)}", x, bottom + 14, "middle", class_="tick"))
    marks.append(void("line", x1=c(zero), x2=c(zero), y1=c(top), y2=c(bottom), stroke=INK))
    for index, row in enumerate(rows):
        y = top + line * index + line / 2
        if row.heading:
            marks.append(_text(row.label, 8, y + 4, class_="heading"))
            continue
        marks.append(el("text", el("title", row.label), _cut(row.label), x=c(left - 10),
                        y=c(y + 4), text_anchor="end", class_="label"))
        marks += _interval_marks(row, y, left, width, ticks)
        marks.append(_text(row.note, left + width + 12, y + 4, class_="value"))
    marks.append(_text("accuracy delta, percentage points", left + width / 2, bottom + 30,
                       "middle", class_="axis"))
    return _figure(chart_id, title, desc, bottom + 38, *marks)


def memory_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, int, str]],
                 limit: int) -> Html:
    """Bars of bytes (label, bytes, text at the end) against a limit drawn as a line."""
    left, width, bar, top = 130.0, 400.0, 18.0, 8.0
    scale = max([size for _, size, _ in bars] + [limit]) * 1.08 or 1
    marks: list[str] = []
    for index, (label, size, text) in enumerate(bars):
        y = top + index * (bar + 10)
        colour = VERMILLION if size > limit else BLUE
        marks.append(_text(label, left - 8, y + 13, "end", class_="label"))
        marks.append(el("rect", el("title", f"{label}: {text}"), x=c(left), y=c(y),
                        width=c(max(width * size / scale, 0.5)), height=bar, fill=colour))
        marks.append(_text(text, left + width * size / scale + 4, y + 13, class_="value"))
    bottom = top + len(bars) * (bar + 10)
    x = left + width * limit / scale
    marks.append(void("line", x1=c(x), x2=c(x), y1=c(top - 4), y2=c(bottom), stroke=INK,
                      stroke_width=2, stroke_dasharray="4 3"))
    marks.append(_text("usable", x, bottom + 12, "middle", class_="tick"))
    return _figure(chart_id, title, desc, bottom + 20, *marks)
