"""``schema-wiki new adr`` and ``schema-wiki new migration``: start a decision or a migration.

Both read the project's settings from mkdocs.yml (no database is touched),
write one new file (two for tools with separate down files) and print what
they wrote. Neither ever overwrites: files are opened in exclusive-create
mode, so an existing file, even one created a moment ago, makes them stop
with exit code 2.

* ``new adr "Split users table"`` writes ``<adrs>/NNNN-split-users-table.md``,
  numbered one past the highest ADR number, from the MADR 4 template below
  or the Jinja2 template that ``adr_template:`` names, with today's date
  (``SCHEMA_WIKI_TODAY`` and ``today:`` are honoured) and status ``proposed``.
* ``new migration add_phone_to_users`` writes a migration in the layout the
  migrations directory already uses (`detect_format`, or
  ``migrations_format:``), starting with the seed's header skeleton: title,
  date, author (``git config user.name`` / ``user.email``), and the fields
  left for the author to fill (``TODO``: ``missing-header-field`` reports
  them until they are filled in; ``ADR: none`` and ``Can drop after:
  never`` are answers, not placeholders). Drizzle's journal layout and
  Sqitch keep a plan file their own tools maintain, so for those it names
  the tool's command instead of writing. A Liquibase file holds one
  changeset whose author is the git e-mail address.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import jinja2

from ..errors import SchemaWikiError
from ..sources.adrs import load_adrs
from ..sources.migrations import detect_format, load_migrations

__all__ = [
    "DEFAULT_ADR_TEMPLATE",
    "AuthoringError",
    "add_arguments",
    "git_author",
    "migration_header",
    "new_adr",
    "new_migration",
    "run",
    "slugify",
]

#: The ADR template used without ``adr_template:``: MADR 4 plus the schema wiki's keys.
#: Variables: title, number (int), id (``0018``), slug, date, status, author.
DEFAULT_ADR_TEMPLATE = """\
---
status: {{ status }}
date: {{ date }}
decision-makers: [{{ author|yaml }}]
consulted: []
informed: []
# The tables and columns this decision concerns (schema.table or table.column),
# and the migrations that carry it out: each becomes a link both ways.
tables: []
columns: []
migrations: []
---
# {{ title }}

## Context and Problem Statement

{Describe the context and the problem in two or three sentences. A column
named in backticks as table.column becomes a link to its page.}

## Considered Options

* {title of option 1}
* {title of option 2}

## Decision Outcome

Chosen option: "{title of option 1}", because {justification}.

### Consequences

* Good, because {positive consequence}
* Bad, because {negative consequence}

## Migration Plan

{The migrations, in order, and what can be rolled back after each.}
"""

_SEQUENTIAL = 6  # versions of at most this many digits are counters, not timestamps


class AuthoringError(SchemaWikiError):
    """A new file cannot be written (it exists, or the layout is kept by another tool)."""


# --- ADRs ------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """``Split users table`` -> ``split-users-table`` (ASCII letters, digits and dashes)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].rstrip("-") or "decision"


def _yaml_scalar(value: object) -> str:
    """A value as a YAML flow scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def new_adr(
    adrs_dir: Path,
    title: str,
    *,
    today: dt.date,
    author: str | None = None,
    template: Path | None = None,
    root: Path | None = None,
) -> Path:
    """Write the next numbered ADR and return its path.

    The number is one past the highest number of the ADRs in ``adrs_dir``
    (recursively); the file goes in ``adrs_dir`` itself. ``template`` is a
    Jinja2 file (see `DEFAULT_ADR_TEMPLATE` for the variables).
    """
    title = " ".join(title.split())
    if not title:
        raise AuthoringError('the ADR needs a title: schema-wiki new adr "Split users table"')
    adrs_dir.mkdir(parents=True, exist_ok=True)
    existing, _ = load_adrs(root or adrs_dir, adrs_dir)
    numbers = [a.number for a in existing if a.number is not None]
    number = max(numbers, default=0) + 1
    width = max(
        [4, *(len(m.group(1)) for p in adrs_dir.rglob("*.md") if (m := _LEAD.match(p.name)))]
    )
    ident = f"{number:0{width}d}"
    path = adrs_dir / f"{ident}-{slugify(title)}.md"

    if template is not None:
        try:
            source = template.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuthoringError(f"adr_template: cannot read {template}: {exc.strerror}") from None
    else:
        source = DEFAULT_ADR_TEMPLATE
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["yaml"] = _yaml_scalar
    try:
        text = env.from_string(source).render(
            title=title,
            number=number,
            id=ident,
            slug=slugify(title),
            date=today.isoformat(),
            status="proposed",
            author=author or "",
        )
    except jinja2.TemplateError as exc:
        raise AuthoringError(f"adr_template: {template}: {exc}") from None
    _write_new(path, text)
    return path


_LEAD = re.compile(r"^(\d{1,6})[-_]")


# --- migrations --------------------------------------------------------------------------


def migration_header(name: str, *, day: dt.date, author: str | None) -> str:
    """The seed's header skeleton with what is known filled in."""
    title = name.replace("_", " ").strip().capitalize()
    return "\n".join(
        [
            f"-- Migration: {title}",
            f"-- Date: {day.isoformat()}",
            f"-- Author: {author or 'TODO'}",
            "-- Ticket: TODO",
            "--",
            "-- Context:",
            "-- TODO: why this change is needed, and what depends on it.",
            "--",
            "-- Expected lifespan: permanent",
            "-- Can drop after: never",
            "-- Dependencies: none",
            "-- ADR: none",
            "--",
            "-- Related migrations: none",
            "--",
            "",
        ]
    )


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", name.strip()).strip("_").lower()
    if not cleaned:
        raise AuthoringError(
            "the migration needs a name: schema-wiki new migration add_phone_to_users"
        )
    return cleaned


def _next_version(versions: list[str], now: dt.datetime) -> str:
    """A counter one past the highest when the project counts (``0007``), else a timestamp
    (``YYYYMMDDHHmmss``) after every existing one."""
    numeric = [v for v in versions if v.isdigit()]
    if numeric and all(len(v) <= _SEQUENTIAL for v in numeric):
        width = max(len(v) for v in numeric)
        return f"{max(int(v) for v in numeric) + 1:0{width}d}"
    stamp = now.strftime("%Y%m%d%H%M%S")
    taken = {int(v[:14].ljust(14, "0")) for v in numeric if len(v) >= 8}
    value = int(stamp)
    while value in taken:
        value = int(
            (dt.datetime.strptime(str(value), "%Y%m%d%H%M%S") + dt.timedelta(seconds=1)).strftime(
                "%Y%m%d%H%M%S"
            )
        )
    return str(value)


def new_migration(
    migrations_dir: Path,
    name: str,
    *,
    fmt: str = "auto",
    now: dt.datetime,
    author: str | None = None,
    root: Path | None = None,
) -> list[Path]:
    """Write a new migration in the directory's layout; return the files written."""
    name = _safe_name(name)
    migrations_dir.mkdir(parents=True, exist_ok=True)
    layout = detect_format(migrations_dir) if fmt == "auto" else fmt
    if layout == "sqitch":
        raise AuthoringError(
            f"Sqitch keeps its own plan: run `sqitch add {name} -n '...'` and add the"
            " header comment to deploy/" + name + ".sql"
        )
    journal = migrations_dir / "meta" / "_journal.json"
    if layout == "drizzle" and journal.is_file():
        raise AuthoringError(
            f"Drizzle keeps its own journal: run `drizzle-kit generate --custom --name={name}`"
            " and add the header comment to the file it writes"
        )
    try:
        existing, _ = load_migrations(root or migrations_dir, migrations_dir, fmt=layout)
    except SchemaWikiError:
        existing = []
    versions = [m.version for m in existing]
    header = migration_header(name, day=now.date(), author=author)
    # A new file goes beside the latest one (Flyway projects often keep them in a subfolder).
    where = migrations_dir
    if existing:
        last = (root or migrations_dir) / existing[-1].path
        if last.suffix == ".sql" and last.parent.is_relative_to(migrations_dir):
            where = last.parent

    files: dict[Path, str]
    if layout == "golang-migrate":
        v = _next_version(versions, now)
        files = {
            where / f"{v}_{name}.up.sql": header,
            where / f"{v}_{name}.down.sql": f"-- Undo {name}.\n",
        }
    elif layout == "dbmate":
        v = _next_version(versions, now)
        files = {where / f"{v}_{name}.sql": f"-- migrate:up\n{header}\n\n-- migrate:down\n\n"}
    elif layout == "goose":
        v = _next_version(versions, now)
        body = f"-- +goose Up\n{header}\n\n-- +goose Down\n\n"
        files = {where / f"{v}_{name}.sql": body}
    elif layout == "flyway":
        v = _flyway_version(versions, now)
        files = {where / f"V{v}__{name}.sql": header}
    elif layout == "diesel":
        stamp = now.strftime("%Y-%m-%d-%H%M%S")
        folder = migrations_dir / f"{stamp}_{name}"
        files = {folder / "up.sql": header, folder / "down.sql": f"-- Undo {name}.\n"}
    elif layout in ("drizzle", "prisma"):
        folder = migrations_dir / f"{now.strftime('%Y%m%d%H%M%S')}_{name}"
        files = {folder / "migration.sql": header}
    elif layout == "liquibase":
        # One changeset per file; the header comment right below its line is its own.
        stamp = now.strftime("%Y%m%d%H%M%S")
        changeset = f"--changeset {_changeset_author(author)}:{stamp}-{name}\n"
        files = {
            where / f"{stamp}_{name}.sql": "--liquibase formatted sql\n\n" + changeset + header
        }
    else:
        # The seed's directory migrations carry a date (``20240215_``), not a counter.
        v = _next_version([v for v in versions if len(v) != 8], now)
        files = {where / f"{v}_{name}.sql": header}

    clash = [p for p in files if p.exists()]
    if clash:
        raise AuthoringError(f"{clash[0]} exists; it was not overwritten")
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_new(path, text)
            written.append(path)
    except AuthoringError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _changeset_author(author: str | None) -> str:
    """A Liquibase changeset author without spaces: the e-mail address, else the name."""
    if not author:
        return "TODO"
    email = re.search(r"<([^<>\s]+)>", author)
    if email:
        return email.group(1)
    return re.sub(r"\s+", ".", author.strip()) or "TODO"


def _flyway_version(versions: list[str], now: dt.datetime) -> str:
    """One past the highest major version (``V3__`` -> ``4``), or a timestamp if they are."""
    majors = [int(re.split(r"[._]", v)[0]) for v in versions if re.match(r"^\d+", v)]
    if majors and max(majors) < 10**8:
        return str(max(majors) + 1)
    if majors:
        return _next_version([str(m) for m in majors], now)
    return "1"


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; refuse when it exists (exclusive create, no race)."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise AuthoringError(f"{path} exists; it was not overwritten") from None


# --- who is writing -------------------------------------------------------------------------


def git_author(cwd: Path) -> str | None:
    """``Name <email>`` from ``git config``, or whichever of them is set; None without git."""

    def value(key: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "config", "--get", key],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() or None

    name, email = value("user.name"), value("user.email")
    if name and email:
        return f"{name} <{email}>"
    return name or email


# --- the command line -------------------------------------------------------------------------


def add_arguments(new: argparse.ArgumentParser) -> None:
    """The ``new`` subcommand's own subcommands: ``adr TITLE`` and ``migration NAME``."""
    kinds = new.add_subparsers(dest="kind", required=True)
    adr = kinds.add_parser("adr", help="write the next numbered ADR (status proposed)")
    adr.add_argument("title", help='the decision\'s title, e.g. "Split users table"')
    adr.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")
    migration = kinds.add_parser("migration", help="write a migration with the header skeleton")
    migration.add_argument("name", help="what it does, e.g. add_phone_to_users")
    migration.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")


def run(args: argparse.Namespace) -> int:
    """Run ``schema-wiki new ...``: 0 when the file was written, 2 when not."""
    from ..engines.mkdocs_plugin import read_config

    try:
        config = read_config(args.config_file)
        author = git_author(config.root)
        if args.kind == "adr":
            paths = [
                new_adr(
                    config.adrs_dir,
                    args.title,
                    today=config.today,
                    author=author,
                    template=config.adr_template,
                    root=config.root,
                )
            ]
        else:
            now = dt.datetime.combine(config.today, dt.datetime.now().time().replace(microsecond=0))
            paths = new_migration(
                config.migrations_dir,
                args.name,
                fmt=config.migrations_format,
                now=now,
                author=author,
                root=config.root,
            )
    except SchemaWikiError as exc:
        print(f"schema-wiki: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(_shown(path))
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
