"""The MkDocs-family engines the wiki is proven on, each in a virtual environment of its own.

MkDocs 1.6 with Material is the project's own environment (``.venv``, which
``tests/run`` creates). ProperDocs, mkdocs-ng and Zensical each get one
under ``.cache/engines/`` the first time a test needs it, with schema-wiki
installed editable beside the engine: later runs reuse it while the engine's
pins, ``pyproject.toml`` and the Python version are the same (about a minute
for all three on first use, nothing after).

mkdocs-ng installs into the ``mkdocs`` package folder, and schema-wiki's own
dependency on ``mkdocs`` overwrites it; the environment removes ``mkdocs`` and
reinstalls mkdocs-ng last, exactly the recipe docs/using/engines.md gives users.

A test that cannot get its engine skips, except under ``CI=true``, where it
fails: CI must prove every engine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import ROOT

#: Where the engines' environments live (ignored by git with the rest of .cache/).
ENGINES_DIR = ROOT / ".cache" / "engines"


@dataclass(frozen=True)
class Engine:
    """One engine: how to install it, how to build with it, and whether it runs the plugin."""

    name: str
    label: str
    #: Requirements installed beside schema-wiki; empty for the project's own .venv.
    pins: tuple[str, ...]
    #: The build command, run in the project directory (site to ``-d`` where supported).
    build: tuple[str, ...]
    #: True: the engine runs the plugin; False: ``schema-wiki generate`` runs first.
    plugin: bool
    #: A package to install again, without dependencies, after everything else.
    last: str | None = None


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine("mkdocs", "MkDocs 1.6 + Material", (), ("mkdocs", "build", "--strict"), plugin=True),
        Engine(
            "properdocs",
            "ProperDocs",
            ("properdocs==1.6.7",),
            ("properdocs", "build", "--strict", "-f", "mkdocs.yml"),
            plugin=True,
        ),
        Engine(
            "mkdocs-ng",
            "mkdocs-ng",
            ("mkdocs-ng==1.8.0",),
            ("mkdocs", "build", "--strict"),
            plugin=True,
            last="mkdocs-ng==1.8.0",
        ),
        # The newest Zensical the package index here installs: later releases need
        # `zensical-ui`, which it does not serve (docs/using/engines.md).
        Engine("zensical", "Zensical", ("zensical==0.0.73",), ("zensical", "build"), plugin=False),
    )
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: CI must build the wiki with every engine")
    pytest.skip(reason)


def _key(engine: Engine) -> str:
    digest = hashlib.sha256()
    for part in (
        *engine.pins,
        engine.last or "",
        sys.version,
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{tail}")


def bin_dir(engine: Engine) -> Path:
    """The bin directory of the engine's environment, created on first use (module doc)."""
    if not engine.pins:
        return Path(sys.executable).parent
    venv = ENGINES_DIR / f"{engine.name}-{_key(engine)}"
    ready = venv / "ready"
    if ready.is_file() and (venv / "bin" / engine.build[0]).exists():
        return venv / "bin"
    shutil.rmtree(venv, ignore_errors=True)
    for stale in ENGINES_DIR.glob(f"{engine.name}-*") if ENGINES_DIR.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)
    started = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        python = venv / "bin" / "python"
        _pip(python, "install", "-e", str(ROOT), *engine.pins)
        if engine.last is not None:
            _pip(python, "uninstall", "-y", "mkdocs")
            _pip(python, "install", "--force-reinstall", "--no-deps", engine.last)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        shutil.rmtree(venv, ignore_errors=True)
        _unavailable(f"cannot install {engine.label} ({' '.join(engine.pins)}): {exc}")
    ready.write_text(f"installed in {time.monotonic() - started:.0f} s\n")
    return venv / "bin"


def version(engine: Engine) -> str:
    """The engine's own word on its version (first line of ``--version``)."""
    command = engine.build[0]
    result = subprocess.run(
        [str(bin_dir(engine) / command), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (result.stdout or result.stderr).strip().splitlines()[0]


def run_in(
    engine: Engine, args: list[str], cwd: Path, *, today: str = "2026-01-31", timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """Run a command of the engine's environment (``schema-wiki``, the engine) in ``cwd``."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", NO_COLOR="1", SCHEMA_WIKI_TODAY=today)
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [str(bin_dir(engine) / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def build(engine: Engine, project: Path) -> subprocess.CompletedProcess[str]:
    """Build ``project`` with the engine as its users do: the plugin runs, or
    ``schema-wiki generate`` writes the pages first (and its failure stops the build)."""
    if not engine.plugin:
        generated = run_in(engine, ["schema-wiki", "generate"], project)
        if generated.returncode != 0:
            return generated
    return run_in(engine, list(engine.build), project)


def copy_example(target: Path) -> Path:
    """The example project of this repository (mkdocs.yml, docs/, migrations/, adrs/)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    for name in ("docs", "migrations", "adrs"):
        shutil.copytree(ROOT / name, target / name)
    return target
