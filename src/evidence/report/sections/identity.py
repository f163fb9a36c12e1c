"""Second, what was run: run id, mode, model, data set, device, code, packages, timings, and
the Kaggle notebook (a link, with its version and run id), read from the manifest as written."""

from __future__ import annotations

import re
from typing import Any

from evidence.models.kaggle import KAGGLE_NOTEBOOK_URL_PATTERN
from evidence.report.html import Html, el
from evidence.report.sections.common import MISSING, definitions, dig, note, section, shown

_KAGGLE_URL = re.compile(KAGGLE_NOTEBOOK_URL_PATTERN)


def _value(manifest: dict[str, Any], path: tuple[str, ...]) -> Html:
    value = dig(manifest, *path)
    if path[-1] in ("sha256", "commit") and isinstance(value, str) and value.isalnum():
        return el("code", value, class_="digest")
    return shown(value)


def _group(title: str, manifest: dict[str, Any], *fields: tuple[str, tuple[str, ...]]) -> Html:
    pairs = [(label, _value(manifest, path)) for label, path in fields]
    return el("div", el("h3", title), definitions(pairs), class_="group")


def _kaggle(manifest: dict[str, Any]) -> Html:
    """The notebook as a link only when its URL has Kaggle's form: nothing else becomes an
    href, so no `javascript:` or look-alike host can reach one."""
    url = dig(manifest, "kaggle", "kaggle_notebook_url")
    run_id = dig(manifest, "kaggle", "kaggle_run_id")
    linked = isinstance(url, str) and _KAGGLE_URL.match(url) is not None
    notebook = el("a", url, href=url, rel="noopener noreferrer", target="_blank") \
        if linked else shown(url)
    run = el("a", shown(run_id), href=f"{url}?scriptVersionId={run_id}",
             rel="noopener noreferrer", target="_blank") \
        if linked and type(run_id) is int else shown(run_id)
    pairs = [("notebook", notebook),
             ("version", shown(dig(manifest, "kaggle", "kaggle_notebook_version"))),
             ("run id", run)]
    return el("div", el("h3", "Kaggle"), definitions(pairs), class_="group")


def _packages(manifest: dict[str, Any]) -> Html:
    packages = dig(manifest, "packages")
    if not isinstance(packages, dict) or not packages:
        return el("div", el("h3", "Packages"), el("p", shown(packages if packages else None)),
                  class_="group")
    pairs = [(name, shown(packages[name])) for name in sorted(packages)]
    return el("div", el("h3", "Packages"), definitions(pairs), class_="group")


def identity_section(manifest: dict[str, Any] | None) -> Html:
    if manifest is None:
        return section("identity", "Identity",
                       note("run_manifest.json could not be read; see the findings above."))
    smoke = dig(manifest, "smoke_config", "path")
    groups = [
        _group("Run", manifest, ("run id", ("run_id",)), ("mode", ("mode",)),
               ("steps", ("steps",)), ("config", ("config", "path")),
               ("config SHA-256", ("config", "sha256"))),
        _group("Model", manifest, ("id", ("model", "id")), ("revision", ("model", "revision")),
               ("family", ("model", "family")), ("dtype", ("model", "dtype")),
               ("parameters", ("model", "parameter_count"))),
        _group("Data set", manifest, ("name", ("dataset", "name")),
               ("version", ("dataset", "version")), ("SHA-256", ("dataset", "sha256")),
               ("train items", ("dataset", "train_items")),
               ("eval items", ("dataset", "eval_items"))),
        _group("Device and code", manifest, ("platform", ("device", "platform")),
               ("kind", ("device", "kind")), ("count", ("device", "count")),
               ("git commit", ("git", "commit")), ("uncommitted changes", ("git", "dirty"))),
        _group("Timings (UTC)", manifest, ("started", ("timings", "started_at")),
               ("finished", ("timings", "finished_at")),
               ("training, seconds", ("timings", "train_seconds")),
               ("evaluation, seconds", ("timings", "eval_seconds"))),
        _kaggle(manifest), _packages(manifest)]
    if smoke is not MISSING and smoke is not None:
        groups.insert(1, _group("Smoke config", manifest, ("path", ("smoke_config", "path")),
                                ("SHA-256", ("smoke_config", "sha256"))))
    return section("identity", "Identity", el("div", *groups, class_="groups"))


def unreadable_section() -> Html:
    """In place of everything else, when the archive did not verify."""
    return section("identity", "Nothing else to show", note(
        "The archive did not verify, so none of its files is read: see the findings above. "
        "Package the run again with `evidence package`."))
