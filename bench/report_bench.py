"""Benchmark `evidence report` on a large run: the page's size, the time to build it, and the
time until headless Chromium shows its first screen (the scorecard and the first page of the
item table), then a filter and a search over every row.

    .venv/bin/python bench/report_bench.py --rows 100000 --json

The run is validate_bench's (every response unique, 300 to 900 characters, graded by the
grader so the run is valid). Its reasoning repeats four sentences, which gzip packs about ten
to one; `--text words` writes reasoning of words drawn from a 20,000-word vocabulary by Zipf's
law instead, which packs about as badly as real model output does (three to one). With --json
the last line is one JSON object of the figures. Needs Debian's chromium at /usr/bin/chromium
and playwright (the dev extra).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import string
import tempfile
import time
from pathlib import Path
from typing import Any

import validate_bench
from evidence.report import build_report
from evidence.report.embed import script_json
from evidence.report.load import read_predictions
from evidence.report.sections.items import item_data
from validate_bench import write_run

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIMIT_BYTES, LIMIT_FIRST_SCREEN_S = 25 * 1000 * 1000, 3.0
# Measured inside the page, since playwright's own polling waits while the page's script
# unpacks the rows: when the table's first rows entered the document (ms since navigation;
# the page lets the browser paint them before it unpacks the rest), and the browser's record
# of its first and largest contentful paints.
WATCH_ROWS = """new MutationObserver((changes, watcher) => {
  if (document.querySelector("#items tbody tr")) {
    window.__firstRowsAt = performance.now(); watcher.disconnect();
  }
}).observe(document, {childList: true, subtree: true});"""
PAINTS = """() => new Promise(resolve => {
  const first = performance.getEntriesByName("first-contentful-paint")[0].startTime;
  new PerformanceObserver(list => resolve([first, list.getEntries().at(-1).startTime,
                                           window.__firstRowsAt]))
    .observe({type: "largest-contentful-paint", buffered: true});
})"""


def _vocabulary(size: int = 20_000) -> tuple[list[str], list[float]]:
    draw = random.Random(0)
    words = ["".join(draw.choices(string.ascii_lowercase, k=draw.randint(2, 10)))
             for _ in range(size)]
    return words, list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))


WORDS, WEIGHTS = _vocabulary()


def worded_response(index: int) -> tuple[str, str]:
    """validate_bench's response with its reasoning made of Zipf-drawn words (50 to 150)."""
    draw = random.Random(index)
    reasoning = " ".join(draw.choices(WORDS, cum_weights=WEIGHTS, k=draw.randint(50, 150)))
    a, b = index % 997, index % 113
    answer = a + b if index % 4 != 1 else a + b + 1
    form = f"<reasoning>{reasoning}</reasoning><answer>{answer}</answer>"
    return (form if index % 4 != 2 else f"{reasoning} {answer}"), str(a + b)


def timed_build(run: Path) -> tuple[str, float]:
    start = time.perf_counter()
    page = build_report(run).html
    return page, time.perf_counter() - start


def browser_figures(path: Path, rows: int) -> dict[str, float]:
    """Seconds to the first screen (the later of the largest paint and the table's first
    rows), until every row is read (the filters work), to filter every row to the wrong ones,
    and to search them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(WATCH_ROWS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        start = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_selector("#scorecard .tile-value", state="visible")
        page.wait_for_selector("#items-section[data-ready]", state="attached", timeout=60_000)
        every_row = time.perf_counter() - start
        painted = page.evaluate(PAINTS)
        start = time.perf_counter()
        page.click('button[data-outcome="wrong"]')
        page.wait_for_selector('button[data-outcome="wrong"][aria-pressed="true"]')
        filtered = time.perf_counter() - start
        page.click('button[data-outcome="all"]')
        start = time.perf_counter()
        page.fill("#filter-search", f"item-{rows - 1:07d}")
        page.wait_for_selector("#items tbody tr:only-child", timeout=30_000)
        searched = time.perf_counter() - start  # with the 120 ms the search waits for typing
        browser.close()
    if errors:
        raise SystemExit(f"the page raised errors: {errors[:3]}")
    return {"first_contentful_paint_s": round(painted[0] / 1000, 2),
            "largest_contentful_paint_s": round(painted[1] / 1000, 2),
            "first_screen_s": round(max(painted[1], painted[2]) / 1000, 2),
            "all_rows_ready_s": round(every_row, 2),
            "filter_all_rows_s": round(filtered, 3),
            "first_search_s": round(searched, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--text", choices=("bench", "words"), default="bench",
                        help="the reasoning's text: validate_bench's sentences, or words")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON: the figures")
    args = parser.parse_args()
    if args.text == "words":
        validate_bench.response_for = worded_response  # what write_run writes each row with
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "big"
        write_run(run, args.rows)
        page, build_seconds = timed_build(run)
        again, _ = timed_build(run)
        predictions = read_predictions(run)
        assert predictions is not None
        items_json = len(script_json(item_data(predictions.rows)).encode())
        path = Path(tmp) / "big.report.html"
        path.write_text(page, encoding="utf-8")
        figures: dict[str, Any] = {
            "rows": args.rows,
            "text": args.text,
            "predictions_bytes": (run / "predictions.jsonl").stat().st_size,
            "items_json_bytes": items_json,
            "report_bytes": len(page.encode("utf-8")),
            "build_s": round(build_seconds, 2),
            "deterministic": again == page,
            **browser_figures(path, args.rows)}
    figures["within_limits"] = (figures["report_bytes"] < LIMIT_BYTES
                                and figures["first_screen_s"] < LIMIT_FIRST_SCREEN_S)
    if not args.json:
        for name, value in figures.items():
            print(f"{name:>20}  {value}")
    else:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
