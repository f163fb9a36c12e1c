"""The real `pre-commit` tool, installed in a scratch repository that uses this repository's
evidence-validate hook: a commit with a broken run is rejected, the fixed one goes in.

pre-commit builds the hook's environment with pip (this repository plus its core dependencies,
from PyPI), which takes a while: the test is marked slow (`pytest -m "not slow"` skips it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging_support import M36, REPO

from runbuilder import build_run

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def quiet_git_env(tmp_path: Path) -> dict[str, str]:
    """No user or system git configuration (a CI runner's core.hooksPath would stop
    `pre-commit install`), an identity for the commits, and a pre-commit cache of our own."""
    env = dict(os.environ)
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.invalid",
               GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.invalid",
               PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    return env


def snapshot_of_this_checkout(target: Path, env: dict[str, str]) -> str:
    """A repository holding this checkout as it is now (committed or not, ignored files left
    out), so the hook under test is the working tree's; returns its commit."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=True)
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        assert git(target, *args, env=env).returncode == 0
    return git(target, "rev-parse", "HEAD", env=env).stdout.strip()


def test_commit_with_broken_run_is_rejected_and_fixed_one_accepted(tmp_path: Path) -> None:
    env = quiet_git_env(tmp_path)
    hook_repo = tmp_path / "evidence-hook"
    hook_repo.mkdir()
    rev = snapshot_of_this_checkout(hook_repo, env)

    user = tmp_path / "submissions"
    user.mkdir()
    assert git(user, "init", "-q", env=env).returncode == 0
    (user / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: evidence-validate\n"
        "        args: [--template, 'templates/*']\n")
    install = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=user, env=env,
                             capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout + install.stderr

    run = build_run(user / "runs" / "smoke")
    shutil.copytree(M36, user / "templates" / "m36")
    (run / "checkpoint" / "flax_model.msgpack").write_bytes(b"weights changed after the run")
    git(user, "add", ".", env=env)
    rejected = git(user, "commit", "-m", "broken run", env=env)
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    assert "artifact_size_mismatch" in rejected.stdout + rejected.stderr
    assert git(user, "rev-parse", "--verify", "HEAD", env=env).returncode != 0  # no commit

    shutil.rmtree(run)
    build_run(run)
    git(user, "add", "-A", env=env)
    accepted = git(user, "commit", "-m", "fixed run", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "evidence validate" in accepted.stdout + accepted.stderr
    # The hook's environment is the core install: no ML stack was pulled in.
    hook_home = tmp_path / "pre-commit-home"
    assert list(hook_home.glob("*/*/lib/python*/site-packages/pydantic"))
    assert not list(hook_home.glob("*/*/lib/python*/site-packages/jax"))
