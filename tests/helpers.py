"""Running the real tools the way users do: mkdocs and schema-wiki as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(
    args: list[str], cwd: Path, *, today: str | None = "2026-01-31", timeout: int = 180
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    if today is not None:
        env["SCHEMA_WIKI_TODAY"] = today
    exe = str(BIN / args[0])
    return subprocess.run(
        [exe, *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
