"""YAML configs and profiles refuse anchors and aliases: an alias bomb or a recursive alias
fails in milliseconds with a message naming file and line, as do numbers and nesting no config
has."""

from __future__ import annotations

import time

import pytest
from hostile_support import HOSTILE, evidence

from evidence.io.strict_yaml import StrictYamlError, loads_yaml_strict

CASES = {
    "yaml_alias_bomb.yaml": (1, "anchor (&a)", 0.25),
    "yaml_recursive_alias.yaml": (2, "anchor (&m)", 0.25),
    "yaml_merge_key.yaml": (1, "anchor (&base)", 0.25),
    "yaml_alias_only.yaml": (2, "alias (*undefined)", 0.25),
    "yaml_integer_of_5000_digits.yaml": (2, "a number of 5000 characters", 0.5),
    # PyYAML's scanner is slow on deep flow nesting; it still stops at depth 64.
    "yaml_nested_too_deep.yaml": (1, "nested more than 64 deep", 3.0),
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_refused_quickly_naming_file_and_line(fixture: str) -> None:
    line, words, seconds = CASES[fixture]
    data = (HOSTILE / fixture).read_bytes()
    start = time.perf_counter()
    with pytest.raises(StrictYamlError) as caught:
        loads_yaml_strict(fixture, data)
    elapsed = time.perf_counter() - start
    assert caught.value.message.startswith(f"{fixture}:{line}: ") and words in caught.value.message
    assert elapsed < seconds, f"{elapsed:.3f} s"


def test_plain_yaml_still_reads() -> None:
    raw, lines = loads_yaml_strict("ok.yaml", b"name: x\nmodels:\n  - family: gemma2\n")
    assert raw == {"name": "x", "models": [{"family": "gemma2"}]}
    assert lines[("models", "0", "family")] == 3


@pytest.mark.parametrize("fixture", ["yaml_alias_bomb.yaml", "yaml_recursive_alias.yaml",
                                     "yaml_integer_of_5000_digits.yaml"])
def test_profile_through_the_cli_is_a_clean_usage_error(fixture: str) -> None:
    run = HOSTILE.parents[0] / "runs" / "valid" / "kaggle_json_log"
    outcome = evidence("validate", "--profile", str(HOSTILE / fixture), str(run), timeout=20)
    assert outcome.code == 2 and f"{fixture}:" in outcome.stderr


def test_shipped_configs_have_no_anchors() -> None:
    configs = HOSTILE.parents[2] / "configs"
    for path in sorted(configs.glob("*.yaml")):
        loads_yaml_strict(str(path), path.read_bytes())
