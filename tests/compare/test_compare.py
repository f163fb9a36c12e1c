"""`evidence compare`: paired per-item outcomes, the properties any comparison must have, runs
that are not paired, archives, the document and its check, and the regression gate."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pairs import predictions, run_of

from evidence.cli import main
from evidence.compare import CompareOptions, compare_paths
from evidence.compare.check import check_comparison
from evidence.findings import Code
from evidence.io.atomic import write_model_atomic
from evidence.models.comparison import Comparison
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.packaging.package import package_run
from runbuilder import build_run

# Few resamples: these tests are about the document, not the interval's precision.
FAST = CompareOptions(resamples=200)
OUTCOME = st.sampled_from([(True, True), (False, True), (False, False)])


def _outcomes(seed: int, n: int, p_right: float = 0.5) -> list[tuple[bool, bool]]:
    rng = random.Random(seed)
    return [(right, right or rng.random() < 0.7)
            for right in (rng.random() < p_right for _ in range(n))]


def _compare(baseline: Path, candidate: Path, options: CompareOptions = FAST) -> Comparison:
    outcome = compare_paths(baseline, candidate, options)
    assert outcome.ok, [finding.to_json() for finding in outcome.findings]
    return Comparison.model_validate(outcome.result)


def _codes(outcome_findings: list) -> set[Code]:
    return {finding.code for finding in outcome_findings}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A baseline and a candidate that fixes 12 items and breaks 3 of 120."""
    base = _outcomes(1, 120)
    wrong = [index for index, (right, _) in enumerate(base) if not right]
    right = [index for index, (ok, _) in enumerate(base) if ok]
    cand = list(base)
    for index in wrong[:12]:
        cand[index] = (True, True)
    for index in right[:3]:
        cand[index] = (False, True)
    return run_of(tmp_path / "base", base), run_of(tmp_path / "cand", cand, tag=" again")


def test_the_four_outcomes_and_the_flips_are_counted_per_item(pair: tuple[Path, Path]) -> None:
    comparison = _compare(*pair)
    overall = comparison.overall
    assert (overall.fixed, overall.broken, overall.n_items) == (12, 3, 120)
    assert overall.both_correct + overall.both_wrong == 105
    assert overall.delta == pytest.approx(9 / 120)
    assert [flip.item_id for flip in comparison.flips.fixed] == sorted(
        flip.item_id for flip in comparison.flips.fixed)
    flip = comparison.flips.broken[0]
    assert flip.baseline_answer == flip.reference_answer != flip.candidate_answer
    assert flip.candidate_response.endswith(f"<answer>{flip.candidate_answer}</answer>")
    assert "again" in flip.candidate_response and "again" not in flip.baseline_response
    for name in ("per_section", "per_category", "per_difficulty"):
        entries = getattr(comparison, name).values()
        assert sum(entry.fixed for entry in entries) == 12
        assert all(entry.p_holm >= entry.mcnemar_p for entry in entries)


def test_the_json_result_keeps_the_names_other_tools_read(pair: tuple[Path, Path],
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    assert main(["compare", "--json", "--resamples", "200", *map(str, pair)]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    keys = {"baseline_accuracy", "candidate_accuracy", "delta", "ci95", "mcnemar_p", "fixed",
            "broken", "both_correct", "both_wrong"}
    assert keys <= result["overall"].keys()
    assert len(result["overall"]["ci95"]) == 2
    for name in ("per_section", "per_category", "per_difficulty"):
        for entry in result[name].values():
            assert keys | {"p_holm"} <= entry.keys()
    assert result["verdict"] in ("improved", "regressed", "no_significant_change")


@settings(max_examples=15, deadline=None)
@given(outcomes=st.lists(OUTCOME, min_size=1, max_size=40))
def test_a_run_compared_with_itself_has_no_difference(tmp_path_factory: pytest.TempPathFactory,
                                                      outcomes: list[tuple[bool, bool]]) -> None:
    run = run_of(tmp_path_factory.mktemp("self") / "run", outcomes)
    comparison = _compare(run, run)
    for scope in (comparison.overall, *comparison.per_section.values()):
        assert (scope.delta, scope.mcnemar_p, scope.ci95) == (0.0, 1.0, [0.0, 0.0])
        assert scope.format_rate.delta == 0.0
    assert comparison.flips.fixed == comparison.flips.broken == []
    assert comparison.verdict == "no_significant_change" and not comparison.fails_gate


@settings(max_examples=15, deadline=None)
@given(base=st.lists(OUTCOME, min_size=2, max_size=40), data=st.data())
def test_swapping_the_runs_negates_the_delta_and_mirrors_the_interval(
        tmp_path_factory: pytest.TempPathFactory, base: list[tuple[bool, bool]],
        data: st.DataObject) -> None:
    cand = data.draw(st.lists(OUTCOME, min_size=len(base), max_size=len(base)))
    root = tmp_path_factory.mktemp("swap")
    a, b = run_of(root / "a", base), run_of(root / "b", cand)
    forward, backward = _compare(a, b), _compare(b, a)
    for name in ("per_section", "per_category", "per_difficulty"):
        pairs = [(forward.overall, backward.overall),
                 *zip(getattr(forward, name).values(), getattr(backward, name).values(),
                      strict=True)]
        for there, back in pairs:
            assert back.delta == -there.delta
            assert back.ci95 == [-there.ci95[1], -there.ci95[0]]
            assert (back.fixed, back.broken, back.mcnemar_p) == (there.broken, there.fixed,
                                                                 there.mcnemar_p)
            assert back.format_rate.ci95 == [-there.format_rate.ci95[1],
                                             -there.format_rate.ci95[0]]
    assert [f.item_id for f in forward.flips.fixed] == [f.item_id for f in backward.flips.broken]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_the_order_of_the_rows_changes_nothing(tmp_path_factory: pytest.TempPathFactory,
                                               seed: int) -> None:
    base, cand = _outcomes(seed, 30), _outcomes(seed + 1, 30)
    order = list(range(30))
    random.Random(seed).shuffle(order)
    root = tmp_path_factory.mktemp("order")
    a, b = run_of(root / "a", base), run_of(root / "b", cand)
    plain = _compare(a, b)
    shuffled = _compare(run_of(root / "sa", base, order), run_of(root / "sb", cand, order[::-1]))
    same = plain.model_dump(exclude={"baseline", "candidate"})
    assert shuffled.model_dump(exclude={"baseline", "candidate"}) == same


def test_the_same_seed_gives_the_same_document_and_another_seed_other_intervals(
        pair: tuple[Path, Path]) -> None:
    first, again = _compare(*pair), _compare(*pair)
    assert first == again
    other = _compare(*pair, CompareOptions(resamples=200, seed=7))
    assert other.overall.ci95 != first.overall.ci95 or \
        other.per_section != first.per_section


def _with_manifest(run: Path, **changes: object) -> None:
    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    write_model_atomic(run / MANIFEST_FILE, manifest.model_copy(update=changes))


def test_another_data_set_is_not_compared(pair: tuple[Path, Path]) -> None:
    base, cand = pair
    manifest = RunManifest.model_validate_json((cand / MANIFEST_FILE).read_bytes())
    other = manifest.dataset.model_copy(update={"sha256": "f" * 64})  # type: ignore[union-attr]
    source = manifest.dataset_source.model_copy(  # type: ignore[union-attr]
        update={"sha256": "f" * 64})  # 2.0: the source names the same file's digest
    _with_manifest(cand, dataset=other, dataset_source=source)
    # The summary states the data set too; a candidate that changed both is still valid.
    summary = json.loads((cand / "eval_summary.json").read_text())
    summary["dataset"]["sha256"] = "f" * 64
    (cand / "eval_summary.json").write_text(json.dumps(summary))
    _relist(cand)  # the manifest lists the summary's digest
    outcome = compare_paths(base, cand, FAST)
    assert outcome.exit_code == 1 and not outcome.result
    [finding] = outcome.runs[-1].findings
    assert (finding.code, finding.pointer) == (Code.COMPARISON_DATASET_DIFFERS, "/dataset/sha256")
    assert finding.file == f"{cand}/{MANIFEST_FILE}"


def _relist(run: Path) -> None:
    """Re-describe every artifact, so that an edited run is valid again."""
    from evidence.io.digest import describe_artifact

    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    artifacts = [describe_artifact(run, artifact.path)
                 for artifact in manifest.artifacts]  # type: ignore[union-attr]
    write_model_atomic(run / MANIFEST_FILE, manifest.model_copy(update={"artifacts": artifacts}))


def test_a_missing_item_is_named_and_nothing_is_compared(tmp_path: Path) -> None:
    outcomes = _outcomes(3, 20)
    base = run_of(tmp_path / "base", outcomes)
    cand = build_run(tmp_path / "cand", predictions(outcomes)[:-1])
    outcome = compare_paths(base, cand, FAST)
    assert outcome.exit_code == 1 and not outcome.result
    [finding] = outcome.runs[-1].findings
    assert finding.code is Code.COMPARISON_ITEMS_DIFFER and "'item-00019'" in finding.message


def test_a_changed_reference_is_named_with_its_line(tmp_path: Path) -> None:
    outcomes = _outcomes(4, 20)
    base = run_of(tmp_path / "base", outcomes)
    rows = predictions(outcomes)
    rows[5] = rows[5].model_copy(update={"reference_answer": "something else", "correct": False})
    cand = build_run(tmp_path / "cand", rows)
    outcome = compare_paths(base, cand, FAST)
    assert outcome.exit_code == 1
    [finding] = outcome.runs[-1].findings
    assert (finding.code, finding.line, finding.pointer) == (
        Code.COMPARISON_ITEM_DIFFERS, 6, "/reference_answer")
    assert "item-00005" in finding.message


def test_an_invalid_run_is_reported_and_not_compared(pair: tuple[Path, Path]) -> None:
    base, cand = pair
    with (cand / "predictions.jsonl").open("a") as handle:
        handle.write("{not json}\n")
    outcome = compare_paths(base, cand, FAST)
    assert outcome.exit_code == 1 and not outcome.result
    assert outcome.runs[0].valid and not outcome.runs[1].valid
    assert len(outcome.runs) == 2


def test_an_archive_is_verified_and_compared_like_its_run(pair: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    base, cand = pair
    archive = package_run(base, tmp_path / "baseline.zip").archive
    assert archive is not None
    assert _compare(archive, cand) == _compare(base, cand)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("predictions.jsonl"):
                data = data.replace(b"item 1", b"item 7")  # same size, another digest
            copy.writestr(info, data)
    outcome = compare_paths(tampered, cand, FAST)
    assert outcome.exit_code == 1 and not outcome.result and not outcome.runs[0].valid


def test_a_path_that_is_no_run_is_a_usage_error(pair: tuple[Path, Path], tmp_path: Path) -> None:
    outcome = compare_paths(tmp_path / "nowhere", pair[1], FAST)
    assert outcome.exit_code == 2 and outcome.runs[0].error


def test_the_gate_fails_a_significant_regression_and_a_drop_past_min_delta(
        pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = pair
    args = ["compare", "--resamples", "200", "--fail-on-regression"]
    assert main([*args, str(base), str(cand)]) == 0  # an improvement passes
    capsys.readouterr()
    assert main([*args, "--json", str(cand), str(base)]) == 1
    envelope = json.loads(capsys.readouterr().out)
    assert not envelope["ok"] and envelope["result"]["verdict"] == "regressed"
    assert [finding["code"] for finding in envelope["findings"]] == ["comparison_regression"]
    outcome = compare_paths(cand, base, CompareOptions(resamples=200, fail_on_regression=True))
    assert outcome.result["verdict"] == "regressed"
    [finding] = outcome.runs[-1].findings
    assert finding.code is Code.COMPARISON_REGRESSION
    assert finding.pointer == "/scorecard/overall/accuracy"
    # Without the flag a regression is reported, not a failure.
    assert main(["compare", "--resamples", "200", str(cand), str(base)]) == 0


def test_min_delta_fails_a_drop_that_is_not_significant(tmp_path: Path) -> None:
    base = _outcomes(5, 60)
    right = [index for index, (ok, _) in enumerate(base) if ok]
    cand = list(base)
    cand[right[0]] = (False, True)  # one item broken: not significant, a 1.7-point drop
    a, b = run_of(tmp_path / "a", base), run_of(tmp_path / "b", cand)
    lenient = compare_paths(a, b, CompareOptions(resamples=200, fail_on_regression=True))
    assert lenient.ok and lenient.result["verdict"] == "no_significant_change"
    strict = compare_paths(a, b, CompareOptions(resamples=200, fail_on_regression=True,
                                                min_delta=0.01))
    assert strict.exit_code == 1 and strict.result["fails_gate"]
    assert "--min-delta 0.01" in strict.runs[-1].findings[0].message


@pytest.mark.parametrize("args", [["--alpha", "0"], ["--alpha", "1.5"], ["--min-delta", "2"],
                                  ["--resamples", "0"], ["--seed", "-1"]])
def test_bad_options_are_usage_errors(pair: tuple[Path, Path], args: list[str]) -> None:
    assert main(["compare", *args, *map(str, pair)]) == 2


def test_out_writes_the_document_and_validate_holds_it_to_the_runs(
        pair: tuple[Path, Path], tmp_path: Path) -> None:
    base, cand = pair
    out = tmp_path / "new" / "comparison.json"  # --out's folder is made
    assert main(["compare", "-q", "--resamples", "300", "--seed", "3", "--out", str(out),
                 str(base), str(cand)]) == 0
    saved = Comparison.model_validate_json(out.read_bytes())
    assert (saved.parameters.resamples, saved.parameters.seed) == (300, 3)
    assert check_comparison(out, base, cand).ok
    assert main(["validate", "-q", "--comparison", str(out), str(base), str(cand)]) == 0
    swapped = check_comparison(out, cand, base)
    assert not swapped.ok
    pointers = [finding.pointer for finding in swapped.runs[-1].findings]
    assert pointers[:2] == ["/baseline/predictions_sha256", "/candidate/predictions_sha256"]


def test_an_edited_figure_or_a_changed_run_breaks_a_saved_comparison(
        pair: tuple[Path, Path], tmp_path: Path) -> None:
    base, cand = pair
    out = tmp_path / "comparison.json"
    assert main(["compare", "-q", "--resamples", "200", "--out", str(out), *map(str, pair)]) == 0
    edited = json.loads(out.read_text())
    edited["per_section"]["algebra"]["p_holm"] = 1.0
    edited_file = tmp_path / "edited.json"
    edited_file.write_text(json.dumps(edited))
    [finding] = check_comparison(edited_file, base, cand).runs[-1].findings
    assert (finding.code, finding.pointer) == (Code.COMPARISON_MISMATCH,
                                               "/per_section/algebra/p_holm")
    shutil.copytree(cand, tmp_path / "other")
    rows = predictions(_outcomes(9, 120))
    build_run(tmp_path / "other", rows)
    changed = check_comparison(out, base, tmp_path / "other")
    assert not changed.ok
    assert changed.runs[-1].findings[0].pointer == "/candidate/predictions_sha256"


def test_a_saved_comparison_that_is_not_one_is_a_finding(pair: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "comparison.json"
    bad.write_text('{"schema_version": "1.0", "verdict": "improved", "verdict": "regressed"}')
    [run] = check_comparison(bad, *pair).runs
    assert [finding.code for finding in run.findings] == [Code.JSON_DUPLICATE_KEY]
    assert main(["validate", "--comparison", str(bad), str(pair[0])]) == 2


def test_the_human_report_says_what_it_found(pair: tuple[Path, Path],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--resamples", "200", *map(str, pair)]) == 0
    text = capsys.readouterr().out
    assert text.index("overall") < text.index("per_section") < text.index("fixed: 12 items")
    assert "improved" in text and "of the 15 items that changed grade, 12 were fixed" in text
    assert not any(line.endswith(" ") for line in text.splitlines())
