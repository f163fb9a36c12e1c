"""Fourth, training: the curves of metrics.jsonl (loss, learning rate, gradient norm per logged
step), and the memory preflight where the run had one (predicted peak against the usable
memory per device)."""

from __future__ import annotations

from collections.abc import Sequence

from evidence.models.preflight import PreflightRecord
from evidence.report.html import Html, el
from evidence.report.metrics import METRICS_FILE, MetricPoint, Metrics
from evidence.report.numbers import TIMES, count, gib, many
from evidence.report.sections.common import data_table, definitions, details, note, section
from evidence.report.svg import BLUE, GREEN, ORANGE, line_chart, memory_chart

CURVES = (("loss", "Loss", BLUE), ("learning_rate", "Learning rate", ORANGE),
          ("grad_norm", "Gradient norm", GREEN))
# A curve of more points than this is drawn from evenly spaced ones (the first and the last
# kept); the table lists at most TABLE_ROWS of them the same way.
CURVE_POINTS = 2000
TABLE_ROWS = 200


def spaced(points: Sequence[MetricPoint], most: int) -> list[MetricPoint]:
    """At most `most` points, evenly spaced, the first and the last among them."""
    if len(points) <= most:
        return list(points)
    last = len(points) - 1
    return [points[round(i * last / (most - 1))] for i in range(most)]


def _curve(name: str, title: str, colour: str, points: Sequence[MetricPoint]) -> Html:
    xs = [float(point.step) for point in points]
    ys = [float(getattr(point, name)) for point in points]
    desc = (f"{title} over {len(points)} logged steps, from {ys[0]:.4g} at step {xs[0]:.0f} "
            f"to {ys[-1]:.4g} at step {xs[-1]:.0f}; lowest {min(ys):.4g}, highest {max(ys):.4g}")
    return el("figure", line_chart(f"chart-{name}", title, desc, xs, ys, title.lower(), colour),
              el("figcaption", title))


def _metrics_table(points: Sequence[MetricPoint]) -> Html:
    rows = [(str(p.step), [count(p.step), f"{p.loss:.6g}", f"{p.learning_rate:.6g}",
                           f"{p.grad_norm:.6g}"]) for p in spaced(points, TABLE_ROWS)]
    caption = "Logged steps" if len(points) <= TABLE_ROWS else \
        f"{TABLE_ROWS} of {count(len(points))} logged steps, evenly spaced"
    return data_table("table-metrics", caption, ("step", "loss", "learning rate",
                                                 "gradient norm"), rows)


def _curves(metrics: Metrics | None) -> list[Html]:
    if metrics is None:
        return [note("No training metrics recorded (the run has no metrics.jsonl).")]
    if metrics.problem is not None:
        return [note(f"{METRICS_FILE} could not be read: {metrics.problem}")]
    body = []
    if metrics.unreadable:
        body.append(note(f"{many(metrics.unreadable, 'line')} of {METRICS_FILE} left out: "
                         "not metrics rows.", "note warn"))
    if not metrics.points:
        return [*body, note(f"{METRICS_FILE} holds no readable metrics rows.")]
    drawn = spaced(metrics.points, CURVE_POINTS)
    body.append(el("div", *(_curve(name, title, colour, drawn) for name, title, colour in CURVES),
                   class_="curves"))
    body.append(details("The logged steps: the numbers", _metrics_table(metrics.points)))
    return body


def _preflight(record: PreflightRecord | None) -> list[Html]:
    if record is None:
        return [el("h3", "Preflight"), note("No preflight record: the run did not run one "
                                            "(a smoke run does not).")]
    peak, usable = record.predicted_peak_bytes_per_device, record.usable_bytes_per_device
    verdict = "fits" if record.verdict == "fits" else "does not fit"
    chart = memory_chart(
        "chart-preflight", "Predicted peak memory against the usable memory, per device",
        f"predicted peak {gib(peak)} per device, usable {gib(usable)}: {verdict}",
        [("predicted peak", peak, gib(peak)), ("usable", usable, gib(usable))], usable)
    pairs = [("target", el("bdi", record.target)),
             ("devices", el("bdi", f"{record.devices} {TIMES} {record.device_kind}")),
             ("method", record.method), ("verdict", el("strong", verdict))]
    return [el("h3", "Preflight"), definitions(pairs), chart]


def training_section(metrics: Metrics | None, preflight: PreflightRecord | None) -> Html:
    return section("training", "Training", *_curves(metrics), *_preflight(preflight))
