"""Issue 12: the report page without a browser. Deterministic bytes, nothing to fetch, the
scorecard equal to the summary's, an invalid run still shown, hostile text kept text, the
training and comparison sections, archives, and the command's exit codes and --out."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportkit import (
    add_metrics,
    baseline_of_sample,
    break_a_row,
    copy_valid_fixture,
    data_values,
    hostile_run,
    items_of,
    metrics_rows,
    relist,
    script_text,
    summary_of,
)

from evidence.cli import main
from evidence.io.atomic import write_model_atomic
from evidence.models.comparison import Comparison
from evidence.models.manifest import RunManifest
from evidence.packaging.package import package_run
from evidence.report import build_report, iframe
from evidence.report.embed import data_element, script_json
from evidence.report.parts import answer_parts
from evidence.validation.run import validate_run
from runbuilder import build_run

LONG_LINE = "<reasoning>" + "x" * 200_000 + "</reasoning><answer>5</answer>"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>, as a browser's
    tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def parsed(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    return tags


# --- determinism and offline ----------------------------------------------------------------

def test_the_same_run_gives_the_same_bytes_wherever_it_lies(tmp_path: Path) -> None:
    run = add_metrics(build_run(tmp_path / "a" / "run"), metrics_rows(5))
    first = build_report(run).html
    assert build_report(run).html == first
    moved = tmp_path / "elsewhere" / "other-name"
    shutil.copytree(run, moved)
    assert build_report(moved).html == first
    assert str(tmp_path) not in first and "other-name" not in first


def test_the_page_loads_nothing_and_runs_only_its_own_script(run_dir: Path) -> None:
    page = build_report(run_dir).html
    tags = parsed(page)
    policy = next(attrs["content"] for tag, attrs in tags.tags
                  if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy is not None and policy.startswith("default-src 'none'; ")
    assert "connect-src" not in policy and "unsafe-inline" not in policy  # default-src: none
    runnable = [text for attrs, text in tags.scripts if "type" not in attrs]
    assert len(runnable) == 1
    digest = base64.b64encode(hashlib.sha256(runnable[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    for tag, attrs in tags.tags:
        assert "src" not in attrs and "srcset" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith(("#", "https://www.kaggle.com/code/")), href
    assert not any(tag in ("link", "img", "iframe", "object", "embed", "form")
                   for tag, _ in tags.tags)


# --- the verdict and the scorecard ----------------------------------------------------------

def test_the_scorecard_on_the_page_is_the_summarys(run_dir: Path) -> None:
    page = build_report(run_dir).html
    values = data_values(page)
    card = summary_of(run_dir).scorecard
    assert values[("overall", "accuracy")] == repr(card.overall.accuracy)
    assert values[("overall", "format_rate")] == repr(card.overall.format_rate)
    expected = {(f"{name}/{key}", metric): repr(getattr(score, metric))
                for name in ("per_section", "per_category", "per_difficulty")
                for key, score in getattr(card, name).items()
                for metric in ("accuracy", "format_rate")}
    assert {key: value for key, value in values.items() if key[0] != "overall"} == expected
    assert 'data-valid="true"' in page and "✓ Valid" in page


def test_an_invalid_run_is_shown_with_every_finding(run_dir: Path) -> None:
    break_a_row(run_dir)
    findings = validate_run(run_dir).findings
    assert findings
    report = build_report(run_dir)
    assert not report.valid and report.runs[0].findings == findings
    page = report.html
    assert 'data-valid="false"' in page and "✗ Not valid" in page
    table = page.split('id="findings"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr data-key=") == len(findings)
    for finding in findings:
        assert f"<code>{finding.code}</code>" in table
        assert html.escape(finding.message) in table
        if finding.line is not None:
            assert f"line {finding.line}" in table
    assert 'id="scorecard"' in page and 'id="items-data"' in page  # still shown


def test_a_template_is_shown_unfilled(tmp_path: Path) -> None:
    m36 = Path(__file__).resolve().parents[2] / "submission_runs" / "m36_v1"
    page = build_report(m36).html
    assert "The scorecard is not filled yet" in page and "not filled yet" in page
    assert "No predictions.jsonl" in page and "<FILL:" not in page.split("<main>")[0]


# --- hostile text ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    run, responses = hostile_run(tmp_path_factory.mktemp("hostile") / "run", LONG_LINE)
    assert validate_run(run).valid
    return build_report(run).html, responses


def _responses_on_the_page(page: str) -> dict[str, str]:
    data = items_of(page)
    return {row[0]: row[7] for row in data["rows"]}


@pytest.mark.parametrize("case", ["script_end_tag", "html_markup", "html_comment_and_cdata",
                                  "right_to_left_marks", "line_and_paragraph_separators",
                                  "very_long_line"])
def test_hostile_text_stays_data(hostile: tuple[str, dict[str, str]], case: str) -> None:
    page, responses = hostile
    tags = parsed(page)
    # the tokenizer sees exactly our elements: the data element is whole and nothing from a
    # response became a tag, an attribute or a script of its own
    assert [attrs.get("id") for attrs, _ in tags.scripts] == ["items-data", None]
    assert not any(tag in ("img", "iframe", "svg", "a", "b", "style") and
                   ("onerror" in attrs or "onload" in attrs or tag in ("img", "iframe", "b"))
                   for tag, attrs in tags.tags)
    data_text = tags.scripts[0][1]
    assert "<" not in data_text and "\u2028" not in data_text and "\u2029" not in data_text
    by_id = _responses_on_the_page(page)
    item_id = next(key for key, text in responses.items() if text == _case_text(case, responses))
    assert by_id[item_id] == responses[item_id]  # read back exactly, as text


def _case_text(case: str, responses: dict[str, str]) -> str:
    from reportkit import hostile_responses

    return LONG_LINE if case == "very_long_line" else hostile_responses()[case]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_text_round_trips_through_the_data_element(text: str) -> None:
    element = data_element("d", {"rows": [[text]]}, compress_over=10**9)
    tags = parsed(f"<!DOCTYPE html><body>{element}<p>after</p></body>")
    assert len(tags.scripts) == 1 and tags.tags[-1][0] == "p"
    assert json.loads(tags.scripts[0][1]) == {"rows": [[text]]}
    assert not re.search(r"[<>&\u2028\u2029]", script_json(text))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_compressed_data_reads_back_the_same(text: str) -> None:
    value = {"rows": [[text, 1, None]]}
    tags = parsed(str(data_element("d", value, compress_over=0)))
    attrs, body = tags.scripts[0]
    assert attrs["type"] == "application/gzip+base64" and re.fullmatch(r"[A-Za-z0-9+/=]*", body)
    import gzip

    assert json.loads(gzip.decompress(base64.b64decode(body))) == value


def test_parts_point_at_the_blocks_in_utf16_units() -> None:
    response = "  \N{GRINNING FACE}<reasoning>a😀b</reasoning>\n<answer> 42 </answer>  "
    assert answer_parts(response) is None  # the emoji before the tag: malformed, as graded
    response = "  <reasoning>a😀b</reasoning>\n<answer> 42 </answer>  "
    start, end, answer_start, answer_end = answer_parts(response) or [0, 0, 0, 0]
    utf16 = response.encode("utf-16-le")
    assert utf16[start * 2:end * 2].decode("utf-16-le") == "a😀b"
    assert utf16[answer_start * 2:answer_end * 2].decode("utf-16-le") == " 42 "


# --- training ---------------------------------------------------------------------------------

def test_the_training_section_draws_the_trainers_metrics(run_dir: Path) -> None:
    add_metrics(run_dir, metrics_rows(12), extra_lines=[b'{"step": 13, "loss": NaN}'])
    assert validate_run(run_dir).valid
    page = build_report(run_dir).html
    for chart in ("chart-loss", "chart-learning_rate", "chart-grad_norm"):
        svg = page.split(f'id="{chart}"', 1)[1].split("</svg>", 1)[0]
        assert svg.count("<circle") == 12
        assert len(re.search(r'<polyline points="([^"]*)"', svg).group(1).split()) == 12  # type: ignore[union-attr]
    table = page.split('id="table-metrics"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr data-key=") == 12 and "<td>3.1</td>" in table  # step 1's loss
    assert "1 line of metrics.jsonl left out" in page


def test_a_run_without_metrics_says_so(run_dir: Path) -> None:
    page = build_report(run_dir).html
    assert "No training metrics recorded" in page and "No preflight record" in page


def test_the_preflight_record_is_drawn_against_the_usable_memory(tmp_path: Path) -> None:
    run = copy_valid_fixture("preflight_record_consistent", tmp_path / "run")
    page = build_report(run).html
    chart = page.split('id="chart-preflight"', 1)[1].split("</svg>", 1)[0]
    assert "predicted peak" in chart and "usable" in chart and " GiB" in chart
    assert "<strong>fits</strong>" in page


# --- comparison and archives ------------------------------------------------------------------

def test_a_comparison_shows_deltas_intervals_and_flips(tmp_path: Path) -> None:
    baseline = baseline_of_sample(tmp_path / "baseline")
    run = build_run(tmp_path / "candidate")
    report = build_report(run, baseline=baseline)
    assert report.valid and all(checked.valid for checked in report.runs)
    page = report.html
    from evidence.compare import CompareOptions, compare_paths

    comparison = Comparison.model_validate(compare_paths(baseline, run, CompareOptions()).result)
    assert f'data-verdict="{comparison.verdict}"' in page
    assert html.escape(comparison.summary) in page
    forest = page.split('id="chart-forest"', 1)[1].split("</svg>", 1)[0]
    scopes = 1 + sum(len(getattr(comparison, name)) for name in
                     ("per_section", "per_category", "per_difficulty"))
    assert forest.count("<line") - forest.count('stroke="#DDDDDD"') - 1 == scopes  # whiskers
    table = page.split('id="table-comparison"', 1)[1].split("</table>", 1)[0]
    assert f'<data value="{comparison.overall.delta!r}">' in table
    kind, text = script_text(page, "flips-data")
    assert kind == "application/json"
    flips = json.loads(text)
    assert [flip[0] for flip in flips["fixed"]] == ["arith-0001"]
    assert [flip[0] for flip in flips["broken"]] == ["arith-0002"]
    assert flips["broken"][0][5] == "<reasoning>6*7</reasoning><answer>42</answer>"


def test_an_invalid_baseline_is_shown_and_nothing_compared(tmp_path: Path) -> None:
    baseline = break_a_row(build_run(tmp_path / "baseline"))
    run = build_run(tmp_path / "candidate")
    report = build_report(run, baseline=baseline)
    assert report.valid and not report.runs[1].valid
    assert "No comparison could be made" in report.html
    assert 'id="baseline-findings"' in report.html and 'id="flips-data"' not in report.html
    assert main(["report", "-q", str(run), "--baseline", str(baseline)]) == 1


def test_an_archive_gives_the_page_its_directory_gives(run_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "run.zip"
    package_run(run_dir, archive)
    assert build_report(archive).html == build_report(run_dir).html
    baseline = baseline_of_sample(tmp_path / "baseline")
    package_run(baseline, tmp_path / "baseline.zip")
    assert build_report(archive, baseline=tmp_path / "baseline.zip").html == \
        build_report(run_dir, baseline=baseline).html


def test_an_archive_that_does_not_verify_shows_its_findings_only(run_dir: Path,
                                                                 tmp_path: Path) -> None:
    archive = tmp_path / "run.zip"
    package_run(run_dir, archive)
    archive.write_bytes(archive.read_bytes()[:200])  # a download cut short
    report = build_report(archive)
    assert not report.valid and 'data-valid="false"' in report.html
    assert "archive_unreadable" in report.html and "none of its files is read" in report.html
    assert 'id="scorecard"' not in report.html
    assert main(["report", "-q", str(archive)]) == 1


# --- the notebook -----------------------------------------------------------------------------

def test_a_notebook_shows_the_page_in_a_sandboxed_frame(run_dir: Path) -> None:
    report = build_report(run_dir)
    frame = report._repr_html_()
    assert frame == iframe(report.html) and frame.startswith("<iframe srcdoc=\"")
    sandbox = re.search(r'sandbox="([^"]*)"', frame).group(1).split()  # type: ignore[union-attr]
    assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)  # type: ignore[union-attr]
    assert html.unescape(srcdoc) == report.html


# --- the command ------------------------------------------------------------------------------

def test_report_writes_beside_the_run_and_says_where(run_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(run_dir)]) == 0
    written = run_dir.parent / "run.report.html"
    assert written.read_text() == build_report(run_dir).html
    assert f"report: {written}" in capsys.readouterr().out
    assert validate_run(run_dir).valid  # nothing was added to the run
    assert main(["report", "--json", str(run_dir), "--out", str(run_dir.parent / "x.html")]) == 0
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["result"] == {"report": str(run_dir.parent / "x.html"), "valid": True,
                                  "bytes": written.stat().st_size}


def test_report_exit_codes_and_refusals(run_dir: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    inside = run_dir / "report.html"
    assert main(["report", str(run_dir), "--out", str(inside)]) == 2
    assert not inside.exists() and "inside the run directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "no such run directory or archive" in capsys.readouterr().err
    assert main(["report", "-q", str(run_dir), "--out", str(tmp_path / "new" / "dir.html")]) == 0
    assert (tmp_path / "new" / "dir.html").is_file()  # --out's folder is made
    (tmp_path / "a-file").write_text("")
    assert main(["report", str(run_dir), "--out", str(tmp_path / "a-file" / "dir.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dir.html: cannot write the report" in err
    assert main(["report", str(run_dir), "--baseline", str(tmp_path / "nope")]) == 2
    assert not (tmp_path / "run.report.html").exists()  # a usage error writes nothing
    break_a_row(run_dir)
    assert main(["report", "-q", str(run_dir)]) == 1
    assert capsys.readouterr().out == "" and (tmp_path / "run.report.html").is_file()


# --- what cannot be read is said, not guessed -------------------------------------------------

def test_a_garbled_row_is_left_out_and_counted(run_dir: Path) -> None:
    with (run_dir / "predictions.jsonl").open("ab") as rows:
        rows.write(b'{"item_id": "x", "section": \n' + b"z" * 5_000_000 + b"\n")
    page = build_report(run_dir).html
    assert "2 lines of predictions.jsonl left out" in page  # the garbled one, the overlong one
    assert len(items_of(page)["rows"]) == 6


def test_files_that_are_not_regular_files_are_not_opened(run_dir: Path) -> None:
    (run_dir / "predictions.jsonl").unlink()
    (run_dir / "predictions.jsonl").symlink_to(run_dir / "eval_summary.json")
    (run_dir / "metrics.jsonl").mkdir()
    page = build_report(run_dir).html
    assert "predictions.jsonl could not be read: predictions.jsonl is a symbolic link" in page
    assert "metrics.jsonl could not be read: metrics.jsonl is a directory" in page


def test_a_manifest_that_fails_its_model_is_still_shown_as_written(tmp_path: Path) -> None:
    run = copy_valid_fixture("preflight_record_consistent", tmp_path / "run")
    manifest = json.loads((run / "run_manifest.json").read_text())
    manifest["surprise"] = True
    (run / "run_manifest.json").write_text(json.dumps(manifest))
    report = build_report(run)
    assert "schema_unknown_key" in report.html and not report.valid
    assert 'id="chart-preflight"' in report.html  # the record itself is fine
    assert f"<bdi>{manifest['model']['id']}</bdi>" in report.html


def test_packed_rows_travel_with_their_first_page_plain(run_dir: Path) -> None:
    page = build_report(run_dir, compress_over=0).html
    kind, text = script_text(page, "items-first")
    first = json.loads(text)
    assert kind == "application/json" and first["total"] == 6
    assert first["rows"] == items_of(page)["rows"][:50]
    assert script_text(page, "items-data")[0] == "application/gzip+base64"
    assert 'id="items-first"' not in build_report(run_dir).html  # small data: one element


def test_runs_of_another_data_set_are_not_compared_and_the_page_says_why(tmp_path: Path) -> None:
    baseline = build_run(tmp_path / "baseline")
    manifest = RunManifest.model_validate_json((baseline / "run_manifest.json").read_bytes())
    summary = summary_of(baseline)
    other = summary.dataset.model_copy(update={"name": "another-set"})  # type: ignore[union-attr]
    for name, document in (("eval_summary.json", summary), ("run_manifest.json", manifest)):
        write_model_atomic(baseline / name, document.model_copy(update={"dataset": other}))
    relist(baseline)
    assert validate_run(baseline).valid
    run = build_run(tmp_path / "candidate")
    report = build_report(run, baseline=baseline)
    assert report.valid and [checked.path for checked in report.runs][2:] == ["comparison"]
    assert not report.runs[2].valid and "No comparison could be made" in report.html
    assert str(report.runs[2].findings[0].code) in report.html
    assert main(["report", "-q", str(run), "--baseline", str(baseline)]) == 1
