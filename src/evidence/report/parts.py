"""Where a response's reasoning and answer are, so the page can highlight them.

The one grader (`evidence.scoring.grader.extract_answer`) decides whether a response has the
two blocks; only then are they located, and a well-formed response leaves no choice where: the
reasoning runs from its opening tag to the first `</reasoning>`, the answer from the last
`<answer>` to the closing tag at the end. Offsets are in UTF-16 code units, as JavaScript's
strings count them, so an emoji before a block does not shift the highlight.
"""

from __future__ import annotations

from evidence.scoring.grader import extract_answer

OPEN_REASONING, CLOSE_REASONING = "<reasoning>", "</reasoning>"
OPEN_ANSWER, CLOSE_ANSWER = "<answer>", "</answer>"


def _utf16(text: str, index: int) -> int:
    prefix = text[:index]
    return index if prefix.isascii() else len(prefix.encode("utf-16-le")) // 2


def answer_parts(response: str) -> list[int] | None:
    """[reasoning start, reasoning end, answer start, answer end] of the blocks' text (tags
    excluded), in UTF-16 units; None when the grader finds the response malformed."""
    if extract_answer(response) is None:
        return None
    start = len(response) - len(response.lstrip()) + len(OPEN_REASONING)
    reasoning_end = response.index(CLOSE_REASONING, start)
    answer_end = len(response.rstrip()) - len(CLOSE_ANSWER)
    answer_start = response.rindex(OPEN_ANSWER, 0, answer_end) + len(OPEN_ANSWER)
    return [_utf16(response, i) for i in (start, reasoning_end, answer_start, answer_end)]
