"""What notebooks/kaggle_submission.ipynb does besides calling the trainer and the CLI: secrets,
device detection and its advice, the install command, streaming a command's output into the
notebook and a log with secrets scrubbed, and the steps left after the session.

The standard library only (and training.xla_env and training.backends, which import no more;
PyYAML, which every Kaggle image has, when a config's backend is read): the notebook imports
this module from the code's own src/ before the project is installed, and what it installs
follows the backend of the config that will train. JAX is never imported here: the devices are
probed in a subprocess, because a TPU serves one process at a time and the kernel must not hold
it while the trainer needs it (on a GPU it would also take 75 % of the memory).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from training.backends import BACKENDS, DEFAULT_BACKEND, backend_mismatch, missing_modules
from training.xla_env import JAX_PLATFORMS

REDACTED = "[secret]"
HF_TOKEN = "HF_TOKEN"
# The jax the train extra pins (pyproject.toml; a test holds them equal): on a TPU or GPU its
# accelerator build is installed at the same version.
JAX_VERSION = "0.10.2"
ACCELERATOR_EXTRAS = {"tpu": f"jax[tpu]=={JAX_VERSION}", "gpu": f"jax[cuda12]=={JAX_VERSION}"}
# A line longer than this is passed on in pieces: nothing the trainer prints comes near it.
MAX_LINE_BYTES = 1 << 20
DOWNLOADS = "kaggle-output"
# The pyproject.toml extras a run of each backend installs (training.backends names the
# backends; a test holds both to it and to pyproject.toml): Tunix comes on top of train.
BACKEND_EXTRAS: dict[str, tuple[str, ...]] = {"flax_transformers": ("train",),
                                              "tunix": ("train", "tunix")}


class Stop(Exception):
    """Stops the notebook at this cell with one message that says what to change. IPython shows
    what `_render_traceback_` returns instead of a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"stopped: {self}"]


def on_kaggle(env: Mapping[str, str] | None = None) -> bool:
    """Kaggle sets KAGGLE_KERNEL_RUN_TYPE (Interactive, or Batch for Save & Run All)."""
    return "KAGGLE_KERNEL_RUN_TYPE" in (os.environ if env is None else env)


MODES = ("smoke", "full")
INSTALL_CHOICES = ("auto", "yes", "no")


def check_parameters(mode: object, device: object, smoke_steps: object,
                     install: object) -> None:
    """The parameters cell's values, checked before anything runs: one that cannot work stops
    the notebook and says which values it takes."""
    choices: list[tuple[str, object, Sequence[str]]] = [
        ("MODE", mode, MODES), ("DEVICE", device, tuple(JAX_PLATFORMS)),
        ("INSTALL", install, INSTALL_CHOICES)]
    for name, value, allowed in choices:
        if value not in allowed:
            raise Stop(f"{name} is {value!r}; set it to one of {', '.join(map(repr, allowed))}")
    if isinstance(smoke_steps, bool) or not isinstance(smoke_steps, int) or smoke_steps < 1:
        raise Stop(f"SMOKE_STEPS is {smoke_steps!r}; set it to a whole number, 1 or more")


# Configs: the backend each trains with, read before anything is installed


def backend_of(config: str, code: Path) -> str:
    """The backend `config` (a path in the checkout `code`, or absolute) trains with: its
    `backend:` key, or the launcher's default when it has none. Only that key is read, with
    PyYAML, since the training stack may not be installed yet; the launcher checks the whole
    config strictly when it runs."""
    document = _yaml_document(config, code / config)
    if not isinstance(document, dict):
        raise Stop(f"{config} is not a run config (its top level is not a mapping of keys): "
                   "set CONFIG_PATH and SMOKE_CONFIG_PATH to configs in configs/")
    backend = document.get("backend", DEFAULT_BACKEND)
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise Stop(f"{config}: backend is {backend!r}; set it to one of "
                   f"{', '.join(map(repr, BACKENDS))} (docs/TRAINING_MODES.md, Backends)")
    return backend


def _yaml_document(config: str, path: Path) -> object:
    try:
        import yaml
    except ImportError:
        raise Stop(f"PyYAML is not installed in {sys.executable}, and {config} is read with it "
                   "before the install: pip install pyyaml, then run this cell again") from None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Stop(f"{config}: no such file in {path.parent}; set CONFIG_PATH and "
                   "SMOKE_CONFIG_PATH to configs in configs/ (paths in the repository)") from None
    except (OSError, ValueError) as error:  # a folder, no permission, not UTF-8
        raise Stop(f"{config} cannot be read ({error}): name a config file in configs/") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not YAML"
        raise Stop(f"{config}{where}: not valid YAML ({problem}): fix the file, or name "
                   "another config") from None


def extras_for(config: str, code: Path) -> tuple[str, ...]:
    """The extras to install for a run of `config`: ("train",), or ("train", "tunix") for a
    Tunix config."""
    return BACKEND_EXTRAS[backend_of(config, code)]


def check_backends(mode: str, config: str, smoke_config: str, code: Path) -> None:
    """The configs name known backends, and a smoke run's two configs the same one (the
    launcher's own rule, `training.backends.backend_mismatch`, told before the install)."""
    full = backend_of(config, code)
    if mode != "smoke":
        return
    mismatch = backend_mismatch(config, full, smoke_config, backend_of(smoke_config, code))
    if mismatch:
        raise Stop(f"CONFIG_PATH and SMOKE_CONFIG_PATH: {mismatch}")


def check_installed(config: str, code: Path) -> None:
    """With the install skipped: this Python has what the config's backend needs beyond the
    train extra (training.backends lists it), or the notebook stops here, not in the trainer."""
    backend = backend_of(config, code)
    if missing := missing_modules(backend):
        extras = ",".join(BACKEND_EXTRAS[backend])
        raise Stop(f"{config} trains with backend {backend}, which needs {', '.join(missing)}, "
                   f"not installed in {sys.executable}: set INSTALL = 'yes', or install them "
                   f"(pip install -e '.[{extras}]' in the checkout) and restart the kernel")


# Secrets


@dataclass(frozen=True)
class Secrets:
    """Secret values by name. Their repr never shows a value, so printing one leaks nothing."""

    values: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Secrets({', '.join(f'{name}=<hidden>' for name in self.values)})"

    def scrub(self, text: str) -> str:
        return scrub(text, self.values.values())


def scrub(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret value replaced by [secret]; the longest first, so a secret
    that contains another is replaced whole."""
    for value in sorted({secret for secret in secrets if secret}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def _kaggle_secret(name: str) -> str | None:
    """The notebook's Kaggle secret `name`, or None when it has none (Kaggle raises then)."""
    try:
        from kaggle_secrets import UserSecretsClient
    except ImportError:
        return None
    try:
        value = UserSecretsClient().get_secret(name)
    except Exception:  # Kaggle's client raises its own errors for a secret it does not have
        return None
    return value if isinstance(value, str) and value else None


def missing_secret(name: str, kaggle: bool, why: str) -> str:
    if kaggle:
        return (f"{name} is not among this notebook's Kaggle secrets, and {why}. Add it under "
                f"Add-ons -> Secrets with the label {name}, switch it on for this notebook, "
                "and run this cell again")
    return (f"{name} is not set in the environment, and {why}. Set it before starting Jupyter "
            f"(export {name}=...), and run this cell again")


def load_secrets(required: Mapping[str, str], optional: Sequence[str] = (), *,
                 kaggle: bool, env: Mapping[str, str] | None = None) -> tuple[Secrets, list[str]]:
    """The secrets (from Kaggle Secrets on Kaggle, else the environment) and a line per name
    for the notebook, none showing a value. `required` maps a name to why it is needed; one
    that is missing stops the notebook."""
    env = os.environ if env is None else env
    source = "Kaggle Secrets" if kaggle else "the environment"
    values: dict[str, str] = {}
    lines: list[str] = []
    for name in [*required, *(name for name in optional if name not in required)]:
        value = _kaggle_secret(name) if kaggle else (env.get(name) or None)
        if value is not None:
            values[name] = value
            lines.append(f"{name}: from {source} (not shown)")
        elif name in required:
            raise Stop(missing_secret(name, kaggle, required[name]))
        else:
            lines.append(f"{name}: not set, and not needed for this run")
    return Secrets(values), lines


# The model sources that download from the Hugging Face hub, where Gemma is gated: the
# transformers backend's `pretrained` and the Tunix backend's `huggingface`.
HUB_SOURCES = ("pretrained", "huggingface")


def token_needed(mode: str, model_source: str, model_id: str, code: Path) -> bool:
    """Whether the run downloads a model from the Hugging Face hub: a full run of a model from
    a hub source that is not a local directory (as the trainer decides it, from its working
    directory)."""
    return mode == "full" and model_source in HUB_SOURCES and not (code / model_id).is_dir()


# Devices

# What ipykernel sets so that tools colour their output, and rich's own switches.
TERMINAL_FORCING = ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE")

PROBE = ("import json, jax; d = jax.devices(); print(json.dumps({'platform': d[0].platform, "
         "'kind': d[0].device_kind, 'count': len(d)}))")


@dataclass(frozen=True)
class Devices:
    platform: str  # cpu, gpu or tpu
    kind: str  # as JAX names it: 'TPU v5 lite', 'TPU v3', 'Tesla T4', 'cpu'
    count: int

    def __str__(self) -> str:
        return f"{self.count} x {self.kind} ({self.platform})"


def device_env(device: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the probe, the preflight and the trainer get: JAX_PLATFORMS for DEVICE,
    as the launcher sets it; no preallocation (a probe must not take a GPU's memory, however
    briefly); and not the kernel's FORCE_COLOR, which would make them draw progress bars and
    colours into the log as if it were a terminal."""
    result = dict(os.environ if env is None else env)
    for name in TERMINAL_FORCING:
        result.pop(name, None)
    platform = JAX_PLATFORMS.get(device)
    if platform is not None:
        result["JAX_PLATFORMS"] = platform
    result.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    result["PYTHONUNBUFFERED"] = "1"  # each line reaches the notebook when it is printed
    return result


def detect_devices(python: str, env: Mapping[str, str], timeout: float = 600) -> Devices:
    """The devices JAX finds, from a subprocess that exits (and so lets go of them) at once."""
    try:
        done = subprocess.run([python, "-c", PROBE], env=dict(env), capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Stop(f"JAX did not list its devices within {timeout:.0f} s; restart the session "
                   "(Run -> Restart) and run all again") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise Stop(f"JAX cannot list the devices here ({lines[-1] if lines else 'no message'}); "
                   "check the DEVICE parameter and the notebook's accelerator")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Devices(found["platform"], found["kind"], found["count"])


def named_target(devices: Devices) -> str | None:
    """The preflight's name for these devices (t4, v3-8, v5e-1, v5e-8), if it has one."""
    kind = devices.kind.lower()
    if devices.platform == "gpu" and "t4" in kind:
        return "t4"
    if devices.platform == "tpu" and "v5" in kind and ("lite" in kind or "v5e" in kind):
        return {1: "v5e-1", 8: "v5e-8"}.get(devices.count)
    if devices.platform == "tpu" and "v3" in kind and devices.count == 8:
        return "v3-8"
    return None


FULL_NEEDS_TPU = ("MODE = 'full' needs a TPU (v5e-8 or v3-8), and this session has {devices}. "
                  "Set the notebook's accelerator to TPU VM v5e-8 (Settings -> Accelerator; "
                  "enable_tpu in kernel-metadata.json) and run it again, or set MODE = 'smoke'")


def advise(devices: Devices, mode: str) -> list[str]:
    """What to run on these devices; a full run anywhere but on a TPU stops the notebook."""
    target = named_target(devices)
    here = f"this session has {devices}" + (f": a {target}" if target else "")
    if devices.platform != "tpu" and mode == "full":
        raise Stop(FULL_NEEDS_TPU.format(devices=devices))
    if devices.platform == "tpu":
        then = ("the full run (MODE = 'full') trains Gemma here" if mode == "full" else
                "a smoke run here proves the install, the devices and the sharding in minutes; "
                "then set MODE = 'full' and run all again")
        return [here, f"recommended: {then}"]
    if devices.platform == "gpu":
        return [here, "recommended: the smoke run (MODE = 'smoke'). Full fine-tuning of Gemma "
                "2B does not fit a T4 (the preflight's floor is 14.01 GiB; 11.25 GiB usable): "
                "a real run on this GPU needs a config that the preflight says fits (a LoRA "
                "config, where the backend has one: python -m training.preflight --config "
                "CONFIG --target t4); the full run belongs on a TPU v5e-8 or v3-8"]
    return [here, "recommended: the smoke run (MODE = 'smoke', minutes on a CPU); the full run "
                  "needs a TPU v5e-8 or v3-8"]


# Commands


def install_command(python: str, code: Path, platform: str | None,
                    wheels: Path | None = None, *, extras: Sequence[str]) -> list[str]:
    """pip installs the code with its pinned extras (`extras_for` the config that trains), and
    on a TPU or GPU jax's build for it at the same version. With a wheel folder (no internet),
    from it alone: the project's own wheel too, since building the source folder would need
    setuptools from the index."""
    wanted = f"[{','.join(extras)}]" if extras else ""
    project = f"evidence{wanted}" if wheels is not None else f"{code}{wanted}"
    command = [python, "-m", "pip", "install", "--quiet", project]
    if platform in ACCELERATOR_EXTRAS:
        command.append(ACCELERATOR_EXTRAS[platform])
    if wheels is not None:
        command += ["--no-index", "--find-links", str(wheels)]
    return command


def accelerator_before_install(
        dev: Path = Path("/dev"),
        which: Callable[[str], str | None] = shutil.which) -> str | None:
    """tpu, gpu or None, told without JAX (not installed yet): a TPU VM has /dev/accel* or
    /dev/vfio devices, a GPU machine has nvidia-smi."""
    if any(dev.glob("accel*")) or (dev / "vfio").is_dir():
        return "tpu"
    return "gpu" if which("nvidia-smi") else None


def preflight_command(python: str, config: str) -> list[str]:
    """The preflight of the config that will train, on the devices here (`auto`); it shares the
    launcher's cache, so a full run's own preflight is not compiled twice."""
    return [python, "-m", "training.preflight", "--config", config, "--target", "auto"]


def preflight_stop(code: int, config: str) -> str | None:
    if code == 0:
        return None
    if code == 1:
        return (f"the preflight says {config} does not fit the devices here, or one of its "
                "checks failed (its verdict is above): take a config it proposes or a larger "
                "accelerator; no weights were loaded")
    return f"the preflight could not check {config} (the error is above): fix the config"


def train_command(python: str, *, mode: str, config: str, smoke_config: str, output: Path,
                  dataset: str, device: str, smoke_steps: int,
                  overwrite: bool = False) -> list[str]:
    """The milestone's smoke_cmd (its flags, its underscore spellings), or the full run."""
    command = [python, "-m", "training.run_train_jax", "--config", config]
    if mode == "smoke":
        command += ["--smoke_config", smoke_config]
    command += ["--output", str(output), "--dataset", dataset, "--device", device]
    if mode == "smoke":
        command += ["--smoke_steps", str(smoke_steps)]
    return command + (["--overwrite"] if overwrite else [])


def train_stop(code: int, log: Path) -> str | None:
    if code == 0:
        return None
    what = {1: "the run failed, or its own evidence did not validate",
            2: "the trainer refused its input (config, data set, model source, output)",
            130: "the run was interrupted"}.get(code, f"the trainer exited with {code}")
    return f"{what}: the message is above, and the whole output in {log}"


def evidence_command(python: str, *args: str | Path) -> list[str]:
    """The evidence CLI of this Python (`python -m evidence`: no PATH to trust)."""
    return [python, "-m", "evidence", *map(str, args)]


def shown(command: Sequence[str]) -> str:
    """A command as a person would type it: `evidence ...`, `python -m training...`."""
    words = list(command)
    if words[1:3] == ["-m", "evidence"]:
        words = ["evidence", *words[3:]]
    elif words[1:2] == ["-m"]:
        words = ["python", *words[1:]]
    return shlex.join(words)


# Streaming a command into the notebook and a log


def stream(command: Sequence[str], *, cwd: Path | None = None,
           env: Mapping[str, str] | None = None, secrets: Secrets | None = None,
           log: Path | None = None, out: IO[str] | None = None,
           err: IO[str] | None = None) -> int:
    """Run `command`; each line of its stdout and stderr goes, secrets scrubbed, to this
    process's stdout and stderr (the notebook's cell) and, in the order they came, to `log`.
    Lines are passed on whole, so a stderr warning never lands inside an evidence line. Returns
    the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    secrets = Secrets() if secrets is None else secrets
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(log.open("w", encoding="utf-8")) if log else None
        process = subprocess.Popen(list(command), cwd=cwd, env=None if env is None else dict(env),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            assert process.stdout is not None and process.stderr is not None
            _pump({process.stdout: out, process.stderr: err}, sink, secrets)
            return process.wait()
        except BaseException:  # an interrupted cell stops the command too
            process.kill()
            process.wait()
            raise


def _pump(targets: dict[IO[bytes], IO[str]], sink: IO[str] | None, secrets: Secrets) -> None:
    selector = selectors.DefaultSelector()
    pending: dict[int, bytes] = {}
    for pipe, target in targets.items():
        selector.register(pipe, selectors.EVENT_READ, target)
        pending[pipe.fileno()] = b""
    while selector.get_map():
        for key, _ in selector.select():
            chunk = os.read(key.fd, 65536)
            lines, pending[key.fd] = _lines(pending[key.fd] + chunk, final=not chunk)
            if lines:  # one write and flush per read: the notebook gets them together
                _emit(secrets.scrub(b"".join(lines).decode("utf-8", "replace")), key.data, sink)
            if not chunk:
                selector.unregister(key.fileobj)
    selector.close()


def _lines(data: bytes, final: bool) -> tuple[list[bytes], bytes]:
    """Whole lines (with their newline) and what is left of a line; at the end, or past the
    line limit, what is left goes too."""
    *lines, rest = data.split(b"\n")
    lines = [line + b"\n" for line in lines]
    if rest and (final or len(rest) > MAX_LINE_BYTES):
        lines.append(rest)
        rest = b""
    return lines, rest


def _emit(text: str, target: IO[str], sink: IO[str] | None) -> None:
    target.write(text)
    target.flush()
    if sink is not None:
        sink.write(text)
        sink.flush()


def leaked(paths: Iterable[Path], secrets: Secrets, chunk: int = 1 << 20) -> list[Path]:
    """The files under `paths` whose bytes hold a secret value: none should."""
    needles = [value.encode("utf-8") for value in secrets.values.values() if value]
    if not needles:
        return []
    overlap = max(map(len, needles)) - 1
    found = []
    for path in _files(paths):
        with path.open("rb") as handle:
            tail = b""
            while block := handle.read(chunk):
                window = tail + block
                if any(needle in window for needle in needles):
                    found.append(path)
                    break
                tail = window[-overlap:] if overlap else b""
    return found


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(item for item in path.rglob("*") if item.is_file())
    return files


# What the session leaves


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size if path.is_file() else 0


def outputs_text(paths: Sequence[Path], run_dir: Path, working: Path, kaggle: bool) -> str:
    """Where each output is, and whether Kaggle keeps it; the Kaggle fields left open."""
    lines = []
    for path in paths:
        if path.exists():
            what = f"{sum(1 for item in path.rglob('*') if item.is_file())} files, " \
                if path.is_dir() else ""
            lines.append(f"{path}: {what}{_size(path):,} bytes")
    if kaggle:
        kept = all(_inside(path, working) for path in paths)
        lines.append(f"these are in {working}, so Kaggle keeps them as this version's output"
                     if kept else f"not all of these are in {working}: Kaggle keeps only what "
                                  "is there (leave OUTPUT_DIR empty)")
    fields = open_kaggle_fields(run_dir)
    if fields:
        lines.append(f"open, to fill after the session: {', '.join(fields)} (Kaggle does not "
                     "tell a session its own version or run id)")
    return "\n".join(lines)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


# After the session


def notebook_id(metadata: Path) -> str:
    """The notebook's owner/slug, as kernel-metadata.json names it (OWNER/SLUG if it cannot)."""
    try:
        found = json.loads(metadata.read_text(encoding="utf-8")).get("id")
    except (OSError, ValueError, AttributeError):
        return "OWNER/SLUG"
    return found if isinstance(found, str) and found.count("/") == 1 else "OWNER/SLUG"


def open_kaggle_fields(run_dir: Path) -> list[str]:
    """The manifest's Kaggle fields that still hold a placeholder."""
    try:
        kaggle = json.loads((run_dir / "run_manifest.json").read_text(encoding="utf-8"))["kaggle"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [name for name, value in kaggle.items()
            if isinstance(value, str) and value.startswith("<FILL:")]


def run_id_of(run_dir: Path) -> str:
    try:
        found = json.loads((run_dir / "run_manifest.json").read_text(encoding="utf-8"))["run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return "RUN_ID"
    return found if isinstance(found, str) else "RUN_ID"


@dataclass(frozen=True)
class Session:
    """Where this session's outputs are, for the steps after it."""

    notebook: str  # owner/slug
    run_dir: Path
    log: Path  # the session's own log of the trainer, beside the run
    kaggle: bool
    working: Path  # /kaggle/working: what Kaggle keeps as the version's output
    batch: bool = False  # a saved version running (Save & Run All, kaggle kernels push)


def after_session(session: Session) -> list[list[str]]:
    """The commands that finish the evidence on the user's machine: N and ID stand for the
    version's number and run id, which Kaggle does not tell the session itself."""
    owner, slug = session.notebook.split("/", 1)
    url = f"https://www.kaggle.com/code/{owner}/{slug}"
    run_id = run_id_of(session.run_dir)
    if session.kaggle:
        download = f"{DOWNLOADS}/{slug}"
        run = f"{download}/{_relative(session.run_dir, session.working)}"
        log = f"{download}/{slug}.log"  # Kaggle's own copy of the log, its JSON array
        archive = f"{download}/{run_id}.zip"
        fetch = [["kaggle", "kernels", "output", f"{owner}/{slug}", "-p", download]]
    else:
        run, log = str(session.run_dir), str(session.log)
        archive = str(session.run_dir.parent / f"{run_id}.zip")
        fetch = []
    verify = ["evidence", "verify", archive] + (["--kaggle-log", log] if session.kaggle else [])
    return [*fetch,
            ["evidence", "fill", "--from-log", log, run, "--kaggle-url", url,
             "--kaggle-version", "N", "--kaggle-run-id", "ID"],
            ["evidence", "validate", run],
            ["evidence", "package", run, "--out", archive],
            verify]


def _relative(path: Path, working: Path) -> str:
    try:
        return path.resolve().relative_to(working.resolve()).as_posix()
    except ValueError:  # not among the outputs: named as it is
        return str(path)


def next_steps(session: Session) -> str:
    """The last cell's text: what to do after the session, with this session's paths."""
    owner, slug = session.notebook.split("/", 1)
    commands = "\n".join(shlex.join(command) for command in after_session(session))
    if session.kaggle:
        first = ("when this version has finished" if session.batch else
                 "save a version of this notebook (Save Version -> Save & Run All); when it "
                 "has finished")
        head = (f"After this session, on your machine (evidence installed, the Kaggle CLI "
                f"signed in): {first}, download its output and log, and finish the evidence:")
        tail = (f"N is the version's number (the notebook's Versions list); ID is the "
                f"scriptVersionId in that version's address, https://www.kaggle.com/code/"
                f"{owner}/{slug}?scriptVersionId=ID. Kaggle does not tell a session either, so "
                f"they are filled here. {DOWNLOADS}/{slug}/{slug}.log is Kaggle's own copy of "
                "the log: fill records it as the run's kaggle_output_log.txt, and verify holds "
                "the archive to it.")
    else:
        head = ("This session did not run on Kaggle, so there is no version to download. For a "
                "submission, push this notebook and run it there (docs/KAGGLE_RUN.md). The same "
                "steps on this run, with the log this notebook wrote beside it:")
        tail = ("N and ID are a Kaggle version's number and run id (scriptVersionId); give "
                "those of the version that ran.")
    if session.notebook == "OWNER/SLUG":
        tail += " OWNER/SLUG: your notebook's id, as in notebooks/kernel-metadata.json."
    return f"{head}\n\n{commands}\n\n{tail}"
