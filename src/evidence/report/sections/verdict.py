"""First, the verdict: is the run valid, and if not, every finding (file, pointer or line, code,
message). An invalid run is still shown, under a banner that says what it is."""

from __future__ import annotations

from evidence.report.html import Html, el
from evidence.report.numbers import count, many
from evidence.report.sections.common import findings_table, note, section
from evidence.result import RunResult


def _banner(result: RunResult) -> Html:
    if result.valid:
        allowed = (f" ({count(result.placeholders)} template placeholders allowed)"
                   if result.placeholders else "")
        return el("p", el("span", "✓ Valid", class_="badge good"),
                  f" Every document, prediction and artifact checks out{allowed}.",
                  class_="banner", data_valid="true")
    return el("p", el("span", "✗ Not valid", class_="badge bad"),
              f" {many(len(result.findings), 'finding')}. The run is shown below as it "
              "stands: do not submit it until these are fixed.",
              class_="banner", data_valid="false")


def verdict_section(result: RunResult, baseline: RunResult | None,
                    comparison_line: str | None) -> Html:
    body = [_banner(result)]
    if result.findings:
        body.append(findings_table("findings", "Findings", result.findings))
    if baseline is not None and not baseline.valid:
        body.append(note(f"The baseline is not valid: {many(len(baseline.findings), 'finding')}."))
        body.append(findings_table("baseline-findings", "The baseline's findings",
                                   baseline.findings))
    if comparison_line:
        body.append(el("p", comparison_line, " ", el("a", "See the comparison.",
                                                      href="#comparison")))
    return section("verdict", "Verdict", *body,
                   class_="valid" if result.valid else "invalid")
