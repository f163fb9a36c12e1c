"""The pre-commit set-up that docs/packaging.md gives another repository works as written: the
config is one pre-commit accepts, it names the hook this repository offers, and its `rev:` is
the tag the docs tell you to make (which then exists), not a name nobody created."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging_support import REPO

DOC = REPO / "docs" / "packaging.md"
TESTED = "<!-- tested: tests/packaging/test_packaging_precommit_docs.py -->\n"


def marked_blocks(language: str) -> list[str]:
    """The fenced blocks of the docs that carry this test's marker, as written."""
    opening = f"{TESTED}```{language}\n"
    return [part.split("```", 1)[0] for part in DOC.read_text().split(opening)[1:]]


def pre_commit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def documented_config() -> str:
    [config] = marked_blocks("yaml")
    return config


def documented_tag_commands() -> list[str]:
    [commands] = marked_blocks("bash")
    return [line for line in commands.splitlines() if line.strip()]


def test_the_documented_config_is_valid_pre_commit_yaml(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(documented_config())
    result = pre_commit("validate-config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # pre-commit warns (and still exits 0) about a rev that looks like a moving branch.
    assert "warning" not in (result.stdout + result.stderr).lower()


def test_the_documented_config_uses_the_hook_this_repository_offers() -> None:
    offered = [hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    [repo] = yaml.safe_load(documented_config())["repos"]
    assert [hook["id"] for hook in repo["hooks"]] == offered == ["evidence-validate"]


def test_the_documented_rev_is_the_tag_the_docs_make_for_this_version() -> None:
    [repo] = yaml.safe_load(documented_config())["repos"]
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    tag, push = documented_tag_commands()
    assert re.fullmatch(rf'git tag -a (\S+) -m "evidence {re.escape(version)}"', tag)
    assert tag.split()[3] == repo["rev"] == f"v{version}"
    assert push == f"git push origin {repo['rev']}"


def test_following_the_docs_makes_the_rev_exist(tmp_path: Path) -> None:
    """In a clone (here a fresh repository with one commit), the docs' tag command makes the
    documented rev resolve to a commit, which is what pre-commit checks out."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}

    def git(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, check=False)

    [repo] = yaml.safe_load(documented_config())["repos"]
    assert git("git init -q && git commit -q --allow-empty -m release").returncode == 0
    assert git(f"git rev-parse --verify -q {repo['rev']}^{{commit}}").returncode != 0
    tag, _push = documented_tag_commands()
    assert git(tag).returncode == 0
    resolved = git(f"git rev-parse --verify -q {repo['rev']}^{{commit}}")
    assert resolved.returncode == 0
    assert resolved.stdout.strip() == git("git rev-parse HEAD").stdout.strip()


def test_this_repository_hook_files_are_valid_for_pre_commit() -> None:
    manifest = pre_commit("validate-manifest", ".pre-commit-hooks.yaml", cwd=REPO)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = pre_commit("validate-config", ".pre-commit-config.yaml", cwd=REPO)
    assert config.returncode == 0, config.stdout + config.stderr
