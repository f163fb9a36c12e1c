"""What the notebook installs follows the backend of the config that trains: the `backend:` key,
read with PyYAML before anything is installed, gives the extras (`train`, and `tunix` on top for
a Tunix config); a smoke run's two configs must name one backend; a config that cannot be read,
or names no backend the launcher has, stops the notebook with one line."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import get_args

import pytest

import training.backends
from repo_paths import REPO
from training import notebook as nb
from training.config import BackendName, RunConfig, load_config

PY = sys.executable
SHIPPED = sorted((REPO / "configs").glob("*.yaml"))
FLAX, TUNIX = ("train",), ("train", "tunix")
FLAX_FULL, FLAX_SMOKE = "configs/submission_gemma_flax.yaml", "configs/smoke_tiny.yaml"
TUNIX_FULL = "configs/submission_gemma3_1b_tunix.yaml"
TUNIX_SMOKE = "configs/smoke_gemma3_tiny.yaml"


# The backends and their extras, as the launcher and pyproject.toml have them


def test_the_extras_cover_the_launcher_s_backends_and_its_default() -> None:
    assert set(nb.BACKEND_EXTRAS) == set(training.backends.BACKENDS) == set(get_args(BackendName))
    assert RunConfig.model_fields["backend"].default == training.backends.DEFAULT_BACKEND


def test_every_extra_is_one_of_pyproject_s_and_tunix_s_is_what_the_launcher_asks_for() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert {name for names in nb.BACKEND_EXTRAS.values() for name in names} <= set(extras)
    assert "google-tunix==0.1.7" in extras["tunix"]
    _, hint = training.backends.NEEDS["tunix"]
    assert f".[{','.join(nb.BACKEND_EXTRAS['tunix'])}]" in hint


@pytest.mark.parametrize("config", SHIPPED, ids=lambda path: path.name)
def test_each_shipped_config_is_read_as_the_launcher_reads_its_backend(config: Path) -> None:
    backend = load_config(str(config)).config.backend
    assert nb.backend_of(f"configs/{config.name}", REPO) == backend
    assert nb.extras_for(f"configs/{config.name}", REPO) == nb.BACKEND_EXTRAS[backend]


@pytest.mark.parametrize("config, extras", [
    (FLAX_FULL, FLAX), (FLAX_SMOKE, FLAX), (TUNIX_FULL, TUNIX),
    ("configs/submission_gemma2_2b_tunix.yaml", TUNIX), (TUNIX_SMOKE, TUNIX)])
def test_the_submission_and_smoke_configs_install_their_extras(
        config: str, extras: tuple[str, ...]) -> None:
    assert nb.extras_for(config, REPO) == extras


def test_each_backend_s_smoke_config_is_a_shipped_config_of_that_backend() -> None:
    for backend, smoke in training.backends.SMOKE_CONFIGS.items():
        assert load_config(str(REPO / smoke)).config.backend == backend


def test_an_absolute_config_path_is_read_as_it_is(tmp_path: Path) -> None:
    assert nb.extras_for(str(REPO / TUNIX_FULL), tmp_path) == TUNIX


# The install command


@pytest.mark.parametrize("extras, project", [(FLAX, "code[train]"), (TUNIX, "code[train,tunix]")])
def test_the_install_from_the_index_names_the_code_with_the_backend_s_extras(
        extras: tuple[str, ...], project: str) -> None:
    assert nb.install_command(PY, Path("code"), None, extras=extras) == [
        PY, "-m", "pip", "install", "--quiet", project]
    assert nb.install_command(PY, Path("code"), "tpu", extras=extras) == [
        PY, "-m", "pip", "install", "--quiet", project, f"jax[tpu]=={nb.JAX_VERSION}"]


@pytest.mark.parametrize("extras, project", [(FLAX, "evidence[train]"),
                                             (TUNIX, "evidence[train,tunix]")])
def test_the_install_from_a_wheel_folder_names_the_project_s_wheel_with_the_extras(
        extras: tuple[str, ...], project: str) -> None:
    command = nb.install_command(PY, Path("code"), "gpu", Path("wheels"), extras=extras)
    assert command == [PY, "-m", "pip", "install", "--quiet", project,
                       f"jax[cuda12]=={nb.JAX_VERSION}", "--no-index", "--find-links", "wheels"]


def test_the_install_shown_in_the_notebook_is_one_a_shell_runs_as_shown() -> None:
    command = nb.install_command(PY, Path("/kaggle/working/evidence"), "tpu", extras=TUNIX)
    assert nb.shown(command) == ("python -m pip install --quiet '/kaggle/working/evidence"
                                 f"[train,tunix]' 'jax[tpu]=={nb.JAX_VERSION}'")


# A smoke run's two configs name one backend


@pytest.mark.parametrize("mode, config, smoke", [
    ("smoke", FLAX_FULL, FLAX_SMOKE),  # the notebook's defaults
    ("smoke", TUNIX_FULL, TUNIX_SMOKE),
    ("smoke", "configs/submission_gemma2_2b_tunix.yaml", TUNIX_SMOKE),
    ("full", TUNIX_FULL, FLAX_SMOKE),  # a full run does not use the smoke config
    ("full", FLAX_FULL, "configs/no_such_smoke.yaml"),
])
def test_configs_of_one_backend_pass(mode: str, config: str, smoke: str) -> None:
    nb.check_backends(mode, config, smoke, REPO)


@pytest.mark.parametrize("config, smoke, full_backend, smoke_backend, matching", [
    (TUNIX_FULL, FLAX_SMOKE, "tunix", "flax_transformers", TUNIX_SMOKE),
    (FLAX_FULL, TUNIX_SMOKE, "flax_transformers", "tunix", FLAX_SMOKE),
])
def test_a_smoke_run_of_another_backend_stops_and_names_the_matching_smoke_config(
        config: str, smoke: str, full_backend: str, smoke_backend: str, matching: str) -> None:
    with pytest.raises(nb.Stop) as stop:
        nb.check_backends("smoke", config, smoke, REPO)
    assert str(stop.value) == (
        f"CONFIG_PATH and SMOKE_CONFIG_PATH: {config} trains with backend {full_backend}, but "
        f"the smoke config {smoke} with {smoke_backend}: a smoke run tries its full run's "
        f"backend; use {matching} (or a full config of backend {smoke_backend})")


# A config that cannot be read, or names no known backend


@pytest.mark.parametrize("text, says", [
    (b"backend: pytorch\n", "c.yaml: backend is 'pytorch'; set it to one of "
                            "'flax_transformers', 'tunix' (docs/TRAINING_MODES.md, Backends)"),
    (b"backend: [tunix]\n", "c.yaml: backend is ['tunix']; set it to one of "),
    (b"backend:\nmodel: {}\n", "c.yaml: backend is None; set it to one of "),
    (b"model:\n  source: tiny\n  layers: [2\n", "c.yaml:4: not valid YAML ("),
    (b"backend: tunix\n\tmodel: 1\n", "c.yaml:2: not valid YAML ("),
    (b"- backend: tunix\n", "c.yaml is not a run config (its top level is not a mapping"),
    (b"", "c.yaml is not a run config"),
    (b"backend: tunix\n\xff\xfe\n", "c.yaml cannot be read ("),
])
def test_a_config_that_names_no_known_backend_stops_with_one_line(
        tmp_path: Path, text: bytes, says: str) -> None:
    (tmp_path / "c.yaml").write_bytes(text)
    with pytest.raises(nb.Stop) as stop:
        nb.extras_for("c.yaml", tmp_path)
    assert str(stop.value).startswith(says) and "\n" not in str(stop.value)


def test_a_config_that_is_not_there_stops_and_says_where_it_was_looked_for(
        tmp_path: Path) -> None:
    with pytest.raises(nb.Stop) as stop:
        nb.check_backends("smoke", "configs/nope.yaml", FLAX_SMOKE, tmp_path)
    assert str(stop.value) == (f"configs/nope.yaml: no such file in {tmp_path / 'configs'}; "
                               "set CONFIG_PATH and SMOKE_CONFIG_PATH to configs in configs/ "
                               "(paths in the repository)")


def test_a_folder_for_a_config_stops(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    with pytest.raises(nb.Stop, match=r"^configs cannot be read \("):
        nb.backend_of("configs", tmp_path)


def test_without_pyyaml_the_notebook_stops_and_says_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import fails
    with pytest.raises(nb.Stop, match=rf"^PyYAML is not installed in .*{FLAX_FULL}.*pip install"):
        nb.extras_for(FLAX_FULL, REPO)


# With the install skipped, the backend's library must be there


def test_with_the_install_skipped_this_environment_runs_both_backends() -> None:
    nb.check_installed(FLAX_SMOKE, REPO)
    nb.check_installed(TUNIX_SMOKE, REPO)


def test_a_tunix_config_without_tunix_installed_stops_and_names_the_extras(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(training.backends.NEEDS, "tunix",
                        (("tunix", "no_such_module_for_this_test"), "pip install '.[train,tunix]'"))
    with pytest.raises(nb.Stop) as stop:
        nb.check_installed(TUNIX_SMOKE, REPO)
    assert str(stop.value) == (
        f"{TUNIX_SMOKE} trains with backend tunix, which needs no_such_module_for_this_test, not "
        f"installed in {sys.executable}: set INSTALL = 'yes', or install them (pip install -e "
        "'.[train,tunix]' in the checkout) and restart the kernel")
