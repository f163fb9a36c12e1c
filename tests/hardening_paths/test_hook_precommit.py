"""The real `pre-commit`, with this checkout's evidence-validate hook: a commit that touches only
a run nested inside another run's folder is rejected for the enclosing run's findings.

pre-commit builds the hook's environment with pip (from PyPI), which takes a while: slow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runbuilder import build_run

pytestmark = pytest.mark.slow
REPO = Path(__file__).parents[2]


def git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def test_commit_of_a_nested_run_checks_the_enclosing_run(tmp_path: Path) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.invalid",
               GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.invalid",
               PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    hook_repo = tmp_path / "evidence-hook"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=True)
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (hook_repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, hook_repo / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        assert git(hook_repo, *args, env=env).returncode == 0
    rev = git(hook_repo, "rev-parse", "HEAD", env=env).stdout.strip()

    user = tmp_path / "submissions"
    user.mkdir()
    assert git(user, "init", "-q", env=env).returncode == 0
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: evidence-validate\n")
    install = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=user, env=env,
                             capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    build_run(user / "runs" / "outer")
    git(user, "add", ".", env=env)
    assert git(user, "commit", "-m", "outer run", env=env).returncode == 0

    build_run(user / "runs" / "outer" / "inner")  # valid itself, unlisted by the outer run
    git(user, "add", "runs/outer/inner", env=env)
    rejected = git(user, "commit", "-m", "nested run", env=env)
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    assert "artifact_unlisted" in rejected.stdout + rejected.stderr
