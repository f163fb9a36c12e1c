from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evidence.models.prediction import Prediction
from evidence.scoring.scorecard import ScoreAccumulator, score

rows = st.lists(st.builds(
    Prediction, item_id=st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True),
    section=st.sampled_from(["arithmetic", "algebra", "logic"]),
    category=st.sampled_from(["a", "b", "c", "d"]),
    difficulty=st.sampled_from(["easy", "medium", "hard"]), response=st.just("r"),
    extracted_answer=st.none(), reference_answer=st.just("1"), correct=st.booleans(),
    format_ok=st.booleans()), max_size=40)


@given(rows)
def test_breakdowns_partition_the_overall_counts(predictions: list[Prediction]) -> None:
    card = score(predictions)
    assert card.overall.n_items == len(predictions)
    assert card.overall.n_correct == sum(row.correct for row in predictions)
    for part in (card.per_section, card.per_category, card.per_difficulty):
        assert sum(s.n_items for s in part.values()) == len(predictions)


@given(rows, st.integers(min_value=0, max_value=40))
def test_scoring_in_chunks_gives_the_same_scorecard(predictions: list[Prediction],
                                                    cut: int) -> None:
    first, second = ScoreAccumulator(), ScoreAccumulator()
    for row in predictions[:cut]:
        first.add_prediction(row)
    for row in predictions[cut:]:
        second.add_prediction(row)
    first.merge(second)
    assert first.scorecard() == score(predictions)


def test_empty_scorecard_has_zero_rates() -> None:
    card = score([])
    assert card.overall.accuracy == 0.0 and card.per_section == {}
