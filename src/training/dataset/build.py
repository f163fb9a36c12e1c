"""The seeded generator of dev-reasoning-v2. `python -m training.dataset.build` rewrites the
shipped file; a test regenerates it and compares bytes, so the file and this code cannot drift.

Layout: 5 sections x 4 categories x 3 difficulties x 10 items = 600 items; in every
(section, category, difficulty) cell 2 items, drawn by the seed, form the eval split (120 items).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from training.dataset.items import ReasoningItem, make_prompt, make_target
from training.dataset.problem import DIFFICULTIES, Maker
from training.dataset.sections import algebra, arithmetic, logic, number_theory, word_problems

SEED = 20_240_302
ITEMS_PER_CELL = 10
EVAL_PER_CELL = 2
# Redraws allowed per item before we give up on finding a question not seen before.
MAX_REDRAWS = 200

SECTIONS: dict[str, dict[str, Maker]] = {
    "arithmetic": arithmetic.CATEGORIES,
    "algebra": algebra.CATEGORIES,
    "logic": logic.CATEGORIES,
    "word_problems": word_problems.CATEGORIES,
    "number_theory": number_theory.CATEGORIES,
}


def generate(seed: int = SEED) -> list[ReasoningItem]:
    rng = random.Random(seed)
    seen: set[str] = set()
    items: list[ReasoningItem] = []
    for section, categories in SECTIONS.items():
        for category, maker in categories.items():
            for difficulty in DIFFICULTIES:
                eval_slots = set(rng.sample(range(ITEMS_PER_CELL), EVAL_PER_CELL))
                for index in range(ITEMS_PER_CELL):
                    problem = maker(rng, difficulty)
                    redraws = 0
                    while problem.question in seen:
                        redraws += 1
                        if redraws > MAX_REDRAWS:
                            raise RuntimeError(f"{section}/{category}/{difficulty} cannot make "
                                               f"{ITEMS_PER_CELL} distinct questions")
                        problem = maker(rng, difficulty)
                    seen.add(problem.question)
                    items.append(ReasoningItem(
                        id=f"{section}.{category}.{difficulty}.{index:02d}",
                        section=section, category=category, difficulty=difficulty,
                        split="eval" if index in eval_slots else "train",
                        prompt=make_prompt(problem.question), target=make_target(problem),
                        answer=problem.answer,
                    ))
    return items


def serialize(items: list[ReasoningItem]) -> bytes:
    """One compact JSON object per line, keys in model order, UTF-8: the bytes the digest covers."""
    lines = (json.dumps(item.model_dump(), ensure_ascii=False, separators=(",", ":"))
             for item in items)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def main() -> int:
    from evidence.hashing import sha256_bytes
    from evidence.jsonio import write_bytes_atomic
    from training.dataset.registry import DATA_DIR, DEV_REASONING_V2

    data = serialize(generate())
    path = DATA_DIR / DEV_REASONING_V2.filename
    write_bytes_atomic(Path(path), data)
    print(f"wrote {path} ({len(data)} bytes), sha256 {sha256_bytes(data)}")
    if sha256_bytes(data) != DEV_REASONING_V2.sha256:
        print("the digest differs from registry.DEV_REASONING_V2.sha256: a new data set version "
              "needs a new name/version and constant", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
