"""Write the example wiki's "What CI catches" page from real runs of the gate.

Usage: ``.venv/bin/python tests/ci_example.py`` rewrites
``docs/using/what-ci-catches.md``. It copies ``tests/fixtures/projects/expired``
(a column whose drop date has passed) to a temporary directory, runs the CI
recipe's commands on it with the date pinned, and writes what they printed
and their exit codes. ``tests/test_ci_example.py`` regenerates the page and
fails when it differs from the committed one, so the page never drifts from
what the product prints.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import FIXTURES, ROOT, run

PAGE = ROOT / "docs" / "using" / "what-ci-catches.md"
FIXTURE = FIXTURES / "projects" / "expired"
MIGRATION = "migrations/20240215093000_add_legacy_id.sql"
#: Two weeks before the drop date, and well after it.
BEFORE, AFTER = "2024-08-01", "2026-01-31"

DROP = """\
-- Migration: Drop legacy_id
-- Date: 2024-08-20
-- Author: Alice (@alice)
-- Context:
-- The legacy sync is switched off; nothing reads legacy_id any more.

DROP INDEX CONCURRENTLY idx_users_legacy_id;
ALTER TABLE users DROP COLUMN legacy_id;
"""


def _session(project: Path, args: list[str], today: str) -> str:
    """A command as typed, what it printed, and its exit code.

    schema-wiki prints its report, then the count on standard error; MkDocs logs
    on standard error and says it aborted last: each is shown in that order.
    """
    result = run(args, project, today=today)
    first, second = (
        (result.stderr, result.stdout) if args[0] == "mkdocs" else (result.stdout, result.stderr)
    )
    printed = (first.strip("\n") + "\n" + second.strip("\n")).strip("\n").replace(str(project), ".")
    # MkDocs says how long the build took: not the same twice.
    printed = re.sub(r"built in [\d.]+ seconds", "built in 0.1 seconds", printed)
    lines = [f"$ SCHEMA_WIKI_TODAY={today} {' '.join(args)}", *printed.rstrip("\n").split("\n")]
    lines.append(f"$ echo $?\n{result.returncode}")
    return "```console\n" + "\n".join(line.rstrip() for line in lines) + "\n```\n"


def render() -> str:
    """The page, from fresh runs on a copy of the fixture."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(FIXTURE, project)
        migration = (project / MIGRATION).read_text(encoding="utf-8")
        warning = _session(project, ["schema-wiki", "check"], BEFORE)
        warning_strict = _session(project, ["schema-wiki", "check", "--strict"], BEFORE)
        error = _session(project, ["schema-wiki", "check"], AFTER)
        github = _session(project, ["schema-wiki", "check", "--format", "github"], AFTER)
        build = _session(project, ["mkdocs", "build", "--strict", "-d", "site"], AFTER)
        fix = project / "migrations" / "20240820140000_drop_legacy_id.sql"
        fix.write_text(DROP, encoding="utf-8")
        fixed = _session(project, ["schema-wiki", "check"], AFTER)
    return f"""# What CI catches

<!-- Written by tests/ci_example.py from real runs; do not edit by hand.
     tests/test_ci_example.py fails when this page is not what the product prints. -->

This page shows the gate of the [CI recipe](ci.md) at work. The project is
`tests/fixtures/projects/expired` of this repository: a `users` table and
one migration that adds a temporary column and states when it may go.
Every block below is the real output of the command above it, run by
`tests/ci_example.py`; the date is pinned with `SCHEMA_WIKI_TODAY` so the
page stays the same (in CI, leave it out: the checks use the real date).

`{MIGRATION}`:

```sql
{migration.rstrip()}
```

## Before the date: a warning

Within `warn_days` (30) of the drop date, `expiring-column` warns. The
build and `schema-wiki check` pass; with `--strict` they fail.

{warning}
{warning_strict}
## After the date: the gate fails

Once the date has passed and the column is still there, `expired-column` is
an error: `schema-wiki check` and `mkdocs build` exit 1, naming the file, the
line of the date and the fix.

{error}
In GitHub Actions, `--format github` puts the same finding on the
migration's line of the pull request:

{github}
`mkdocs build --strict` fails the same way, without writing the site:

{build}
## The fix

A migration that drops the column (or a later date in the header, when the
column must stay) makes the gate pass again:

```sql
{DROP.rstrip()}
```

{fixed}"""


def main() -> int:
    """Rewrite the page; print its path."""
    PAGE.write_text(render(), encoding="utf-8")
    print(PAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
