"""The one scoring function: prediction rows in, scorecard out.

The trainer builds eval_summary.json with it, and `validate` recomputes the scorecard with it from
predictions.jsonl, so the two cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from evidence.models.eval_summary import Score, Scorecard, rate
from evidence.models.prediction import Prediction


@dataclass(slots=True)
class Tally:
    n_items: int = 0
    n_correct: int = 0
    n_format_ok: int = 0

    def add(self, correct: bool, format_ok: bool, count: int = 1) -> None:
        self.n_items += count
        self.n_correct += correct * count
        self.n_format_ok += format_ok * count

    def merge(self, other: Tally) -> None:
        self.n_items += other.n_items
        self.n_correct += other.n_correct
        self.n_format_ok += other.n_format_ok

    def score(self) -> Score:
        return Score(n_items=self.n_items, n_correct=self.n_correct, n_format_ok=self.n_format_ok,
                     accuracy=rate(self.n_correct, self.n_items),
                     format_rate=rate(self.n_format_ok, self.n_items))


def _tallies() -> defaultdict[str, Tally]:
    return defaultdict(Tally)


@dataclass(slots=True)
class ScoreAccumulator:
    """Adds rows one at a time (so predictions can stream), and merges with another accumulator
    (so chunks can be scored in parallel)."""

    overall: Tally = field(default_factory=Tally)
    per_section: defaultdict[str, Tally] = field(default_factory=_tallies)
    per_category: defaultdict[str, Tally] = field(default_factory=_tallies)
    per_difficulty: defaultdict[str, Tally] = field(default_factory=_tallies)

    def add(self, section: str, category: str, difficulty: str, correct: bool,
            format_ok: bool, count: int = 1) -> None:
        """Add `count` items that share these labels and this outcome."""
        self.overall.add(correct, format_ok, count)
        self.per_section[section].add(correct, format_ok, count)
        self.per_category[category].add(correct, format_ok, count)
        self.per_difficulty[difficulty].add(correct, format_ok, count)

    def add_prediction(self, row: Prediction) -> None:
        self.add(row.section, row.category, row.difficulty, row.correct, row.format_ok)

    def merge(self, other: ScoreAccumulator) -> None:
        self.overall.merge(other.overall)
        for mine, theirs in ((self.per_section, other.per_section),
                             (self.per_category, other.per_category),
                             (self.per_difficulty, other.per_difficulty)):
            for key, tally in theirs.items():
                mine[key].merge(tally)

    def scorecard(self) -> Scorecard:
        def scores(tallies: dict[str, Tally]) -> dict[str, Score]:
            return {key: tallies[key].score() for key in sorted(tallies)}

        return Scorecard.model_validate({
            "overall": self.overall.score(),
            "per_section": scores(self.per_section),
            "per_category": scores(self.per_category),
            "per_difficulty": scores(self.per_difficulty),
        })


def score(predictions: Iterable[Prediction]) -> Scorecard:
    accumulator = ScoreAccumulator()
    for row in predictions:
        accumulator.add_prediction(row)
    return accumulator.scorecard()
