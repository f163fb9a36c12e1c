"""Issue 12: reports of a valid run, an invalid run, a comparison and hostile responses, loaded
in headless Chromium (Debian's chromium, through playwright): no console error, no request but
the file itself, the scorecard's numbers equal the summary's, the item filter works, hostile
text stays text. A screenshot of each lands in build/test-artifacts/report/.

Without /usr/bin/chromium these tests skip, unless EVIDENCE_REQUIRE_BROWSER=1 (CI sets it),
when they fail instead: CI cannot skip them silently."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reportkit import (
    add_metrics,
    baseline_of_sample,
    break_a_row,
    hostile_run,
    metrics_rows,
    summary_of,
)

from evidence.report import build_report
from evidence.validation.run import validate_run
from repo_paths import REPO
from runbuilder import build_run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "build" / "test-artifacts" / "report"
LONG_LINE = "<reasoning>" + "y" * 50_000 + "</reasoning><answer>5</answer>"


def _browser_or_skip() -> Any:
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem is not None:
        if os.environ.get("EVIDENCE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"EVIDENCE_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@dataclass
class Loaded:
    page: Any
    url: str
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def rows(self) -> int:
        return int(self.page.locator("#items tbody tr").count())

    def check_clean(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert self.problems == [] and self.dialogs == []


def open_report(browser: Any, path: Path, javascript: bool = True) -> Loaded:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  java_script_enabled=javascript)
    page = context.new_page()
    loaded = Loaded(page, path.resolve().as_uri())
    page.on("console", lambda message: message.type in ("error", "warning") and
            loaded.problems.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: loaded.problems.append(f"page error: {error}"))
    page.on("request", lambda request: request.url != loaded.url and
            not request.url.startswith("data:") and
            loaded.problems.append(f"request: {request.url}"))
    page.on("dialog", lambda dialog: (loaded.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(loaded.url, wait_until="load")
    if javascript:
        page.wait_for_selector("#items-section[data-ready]", state="attached", timeout=15_000)
    return loaded


def _write(tmp: Path, name: str, run: Path, **options: Any) -> Path:
    path = tmp / f"{name}.report.html"
    build_report(run, **options).write(path)
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("browser")
    valid = add_metrics(build_run(tmp / "valid"), metrics_rows(20))
    hostile, _ = hostile_run(tmp / "hostile", LONG_LINE)
    return {
        "valid": _write(tmp, "valid", valid),
        "valid-compressed": _write(tmp, "compressed", valid, compress_over=0),
        "invalid": _write(tmp, "invalid", break_a_row(build_run(tmp / "invalid"))),
        "comparison": _write(tmp, "comparison", build_run(tmp / "candidate"),
                             baseline=baseline_of_sample(tmp / "baseline")),
        "hostile": _write(tmp, "hostile", hostile),
        "_valid_run": valid, "_hostile_run": hostile,
    }


def _click_outcome(loaded: Loaded, outcome: str) -> None:
    loaded.page.click(f'button[data-outcome="{outcome}"]')
    loaded.page.wait_for_selector(f'button[data-outcome="{outcome}"][aria-pressed="true"]')


def test_a_valid_report_shows_the_summarys_numbers_and_filters(browser: Any,
                                                               pages: dict[str, Path]) -> None:
    loaded = open_report(browser, pages["valid"])
    page = loaded.page
    card = summary_of(pages["_valid_run"]).scorecard
    assert page.is_visible("#scorecard .tile-value data")
    shown = page.eval_on_selector_all(
        "#scorecard data", "all => all.map(d => [d.dataset.scope, d.dataset.metric, d.value,"
                           " d.textContent])")
    expected = {("overall", "accuracy"): card.overall.accuracy,
                ("overall", "format_rate"): card.overall.format_rate}
    expected |= {(f"{name}/{key}", metric): getattr(score, metric)
                 for name in ("per_section", "per_category", "per_difficulty")
                 for key, score in getattr(card, name).items()
                 for metric in ("accuracy", "format_rate")}
    assert {(scope, metric): float(value) for scope, metric, value, _ in shown} == expected
    assert loaded.rows() == card.overall.n_items
    _click_outcome(loaded, "wrong")
    assert loaded.rows() == card.overall.n_items - card.overall.n_correct
    assert set(page.eval_on_selector_all("#items tbody tr .outcome", "all => all.map(o => "
                                         "o.className)")) <= {"outcome wrong", "outcome format"}
    _click_outcome(loaded, "format")
    assert loaded.rows() == card.overall.n_items - card.overall.n_format_ok
    _click_outcome(loaded, "all")
    page.select_option("#filter-section", label="arithmetic")
    assert loaded.rows() == card.per_section["arithmetic"].n_items
    page.select_option("#filter-section", label="all")
    page.fill("#filter-search", "6*7")  # the search waits for typing to pause
    page.wait_for_selector("#items tbody tr:only-child", timeout=5_000)
    assert page.inner_text("#items tbody tr .item-id") == "arith-0002"
    assert page.inner_text("#items tbody tr .response .answer") == "41"
    assert page.is_visible("#chart-loss")
    loaded.check_clean("valid")


def test_compressed_item_data_reads_the_same(browser: Any, pages: dict[str, Path]) -> None:
    assert 'type="application/gzip+base64"' in pages["valid-compressed"].read_text()
    plain, packed = open_report(browser, pages["valid"]), open_report(browser,
                                                                      pages["valid-compressed"])
    for loaded in (plain, packed):
        _click_outcome(loaded, "wrong")
    ids = "all => all.map(row => row.dataset.id)"
    assert plain.page.eval_on_selector_all("#items tbody tr", ids) == \
        packed.page.eval_on_selector_all("#items tbody tr", ids) != []
    packed.check_clean("valid-compressed")


def test_an_invalid_report_is_marked_and_lists_every_finding(browser: Any,
                                                             pages: dict[str, Path],
                                                             tmp_path: Path) -> None:
    loaded = open_report(browser, pages["invalid"])
    banner = loaded.page.locator("#verdict .banner")
    assert banner.get_attribute("data-valid") == "false" and "Not valid" in banner.inner_text()
    findings = validate_run(break_a_row(build_run(tmp_path / "same"))).findings
    assert loaded.page.locator("#findings tbody tr").count() == len(findings) > 0
    assert loaded.page.is_visible("#scorecard") and loaded.rows() > 0
    loaded.check_clean("invalid")


def test_a_comparison_report_shows_the_forest_plot_and_the_flips(browser: Any,
                                                                 pages: dict[str, Path]) -> None:
    loaded = open_report(browser, pages["comparison"])
    page = loaded.page
    assert page.is_visible("#chart-forest")
    page.wait_for_selector("#flips[data-ready]", state="attached")
    assert page.eval_on_selector_all("#flips .flip", "all => all.map(f => f.dataset.id)") == \
        ["arith-0001"]
    page.click('button[data-list="broken"]')
    page.wait_for_selector('#flips .flip[data-id="arith-0002"]')
    sides = page.locator("#flips .flip .side .answer").all_inner_texts()
    assert sides == ["42", "41"]  # the baseline's answer beside this run's
    loaded.check_clean("comparison")


def test_hostile_responses_are_shown_as_text_never_run(browser: Any,
                                                       pages: dict[str, Path]) -> None:
    loaded = open_report(browser, pages["hostile"])
    page = loaded.page
    _, responses = hostile_run(pages["_hostile_run"].parent / "again", LONG_LINE)
    page.select_option("#filter-section", label="all")
    texts = page.eval_on_selector_all(
        "#items tbody tr", "all => all.map(r => [r.dataset.id, "
                           "r.querySelector('.response').textContent])")
    assert dict(texts) == responses  # every response, character for character, as text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#items img, #items iframe, #items svg, #items a, #items b, "
                        "#items script, #items style").count() == 0
    # the 50,000-character line wraps in its cell instead of widening the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    rtl = page.locator(".response").filter(has_text="override to the end")
    assert rtl.evaluate("e => [e.dir, getComputedStyle(e).unicodeBidi]") == ["auto", "isolate"]
    flagged = page.eval_on_selector_all("#items tbody tr:has(.outcome.bidi)",
                                        "all => all.map(r => r.dataset.id)")
    assert flagged == [item for item, text in responses.items() if "\u202e" in text]
    loaded.check_clean("hostile")


def test_the_scorecard_reads_without_javascript(browser: Any, pages: dict[str, Path]) -> None:
    loaded = open_report(browser, pages["valid"], javascript=False)
    page = loaded.page
    assert page.is_visible("#chart-per_section") and page.is_visible("#scorecard .tile-value")
    card = summary_of(pages["_valid_run"]).scorecard
    assert page.inner_text('#scorecard .tile-value data[data-metric="accuracy"]') == \
        f"{card.overall.accuracy * 100:.1f} %"
    assert page.locator("#items tbody tr").count() == 0
    loaded.check_clean("no-javascript")
