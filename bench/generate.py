"""Generate a synthetic schema-wiki project of realistic shape, deterministically.

``generate(root, tables=N, seed=S)`` writes into ``root``:

* ``migrations/``: M = 2N timestamped migrations, each with the full header
  the seed document asks for (Migration, Date, Author, Ticket, Context,
  Expected lifespan, Can drop after, Dependencies, Related migrations, ADR).
  About half create one table of 5 to 40 columns with foreign keys to
  earlier tables and ``COMMENT ON`` for most tables and columns; the rest
  alter what exists: add, rename, retype and drop columns, set defaults and
  NOT NULL, add indexes, comment late, rename and drop tables.
* ``adrs/``: K = N/5 MADR-style ADRs whose front matter and text name
  tables, columns (in backticks) and migrations that exist.
* ``docs/index.md`` and ``mkdocs.yml`` using the plugin with a pinned ``today``.

The same ``(tables, seed)`` always gives byte-identical files, so timings of
different runs and machines compare like for like. Run it on its own to look
at a project: ``python bench/generate.py /tmp/wiki --tables 100``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: The date checks compare against: every drop date generated lies after it,
#: so the build has warnings (undocumented columns) but no error.
TODAY = dt.date(2026, 1, 1)
#: The first migration's timestamp; later ones follow a few hours apart.
EPOCH = dt.datetime(2019, 1, 7, 9, 0, 0)

_AREAS = (
    "billing", "identity", "catalog", "orders", "shipping", "support", "analytics",
    "payments", "inventory", "marketing", "search", "audit", "reporting", "partner",
)  # fmt: skip
_ENTITIES = (
    "accounts", "invoices", "items", "events", "sessions", "tokens", "addresses",
    "refunds", "coupons", "plans", "subscriptions", "notes", "tickets", "reviews",
    "shipments", "carriers", "warehouses", "batches", "exports", "webhooks",
)  # fmt: skip
_WORDS = (
    "status", "amount", "label", "source", "region", "score", "channel", "code",
    "reference", "priority", "weight", "currency", "external", "display", "notes",
    "locale", "version", "category", "flags", "payload", "counter", "level",
)  # fmt: skip
_PEOPLE = (
    "Alice (@alice)", "Bob (@bob)", "Carol (@carol)", "Dan (@dan)", "Erin (@erin)",
    "Frank (@frank)", "Grace (@grace)", "Heidi (@heidi)",
)  # fmt: skip
_TEAMS = ("Billing", "Identity", "Platform", "Analytics", "Growth", "Support")
_REASONS = (
    "The support team needs to see this in the admin console without a join.",
    "Partners asked for it in the v2 API; the old field stays until v1 is retired.",
    "Reconciliation with the legacy system reads this during the transition.",
    "Reporting queries scanned the whole table; this keeps them cheap.",
    "The name confused new engineers; the new one says what it holds.",
    "Product wants to segment customers by it in the next quarter.",
    "A compliance review asked us to record where each value came from.",
)
_STATUSES = ("accepted", "accepted", "accepted", "proposed", "deprecated", "superseded")

#: Column types a generated column may have, with a default that fits each.
_TYPES: tuple[tuple[str, str | None], ...] = (
    ("integer", "0"),
    ("bigint", None),
    ("text", None),
    ("varchar(50)", None),
    ("varchar(200)", "''"),
    ("numeric(12,2)", "0"),
    ("boolean", "false"),
    ("timestamptz", "now()"),
    ("date", None),
    ("jsonb", "'{}'::jsonb"),
    ("uuid", None),
    ("smallint", "1"),
)
#: Type changes PostgreSQL performs without a USING clause.
_WIDER = {
    "integer": "bigint",
    "smallint": "integer",
    "varchar(50)": "varchar(200)",
    "varchar(200)": "text",
    "numeric(12,2)": "numeric(14,2)",
    "date": "timestamptz",
}


@dataclass
class _Column:
    name: str
    type: str
    commented: bool
    fk: bool = False


@dataclass
class _Table:
    name: str
    columns: list[_Column]
    commented: bool
    #: Tables whose foreign keys point here: such a table is never dropped.
    referenced_by: set[str] = field(default_factory=set)
    created_by: str = ""


@dataclass
class GeneratedProject:
    """What `generate` wrote, with counts the benchmark reports."""

    root: Path
    tables: int
    migrations: list[str]
    adrs: list[str]
    statements: int
    live_tables: int
    live_columns: int

    @property
    def config_file(self) -> Path:
        return self.root / "mkdocs.yml"


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


class _Generator:
    def __init__(self, root: Path, n_tables: int, seed: int) -> None:
        self.root = root
        self.n = n_tables
        self.rng = random.Random(seed)
        self.tables: dict[str, _Table] = {}
        self.migrations: list[str] = []
        self.statements = 0
        self.clock = EPOCH
        self.counter = 0
        self.n_adrs = max(1, n_tables // 5)
        #: migration id -> tables it concerned, for ADRs to cite.
        self.touched: dict[str, list[str]] = {}

    # -- names ---------------------------------------------------------------------

    def _unique(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"

    def _column_name(self, table: _Table) -> str:
        taken = {c.name for c in table.columns}
        while True:
            name = self._unique(self.rng.choice(_WORDS))
            if name not in taken:
                return name

    # -- migrations ----------------------------------------------------------------

    def _next_id(self, slug: str) -> str:
        self.clock += dt.timedelta(hours=self.rng.randint(2, 30), minutes=self.rng.randint(0, 59))
        return f"{self.clock:%Y%m%d%H%M%S}_{slug}"

    def _header(
        self,
        title: str,
        mid: str,
        *,
        lifespan: str = "permanent",
        drop_after: str | None = None,
        related: list[str] | None = None,
    ) -> str:
        rng = self.rng
        context = textwrap.wrap(
            f"{rng.choice(_REASONS)} Requested by the {rng.choice(_TEAMS)} team; "
            f"see the ticket for the discussion and the rollout plan.",
            68,
        )
        lines = [
            f"Migration: {title}",
            f"Date: {self.clock:%Y-%m-%d}",
            f"Author: {rng.choice(_PEOPLE)}",
            f"Ticket: PROJ-{1000 + len(self.migrations)}",
            "",
            "Context:",
            *context,
            "",
            f"Expected lifespan: {lifespan}",
        ]
        if drop_after:
            lines.append(f"Can drop after: {drop_after}")
        lines.append(f"Dependencies: {rng.choice(['none', 'deploy of the API first', 'none'])}")
        if related:
            lines += ["", "Related migrations:", *(f"- {r}" for r in related)]
        if rng.random() < 0.1:
            lines.append(f"ADR: {rng.randint(1, self.n_adrs):04d}")
        lines.append("")
        return "".join(f"-- {line}".rstrip() + "\n" for line in lines) + "\n"

    def _write(self, mid: str, header: str, statements: list[str], tables: list[str]) -> None:
        body = "\n\n".join(s.rstrip().rstrip(";") + ";" for s in statements)
        path = self.root / "migrations" / f"{mid}.sql"
        path.write_text(header + body + "\n", encoding="utf-8")
        self.migrations.append(mid)
        self.statements += len(statements)
        self.touched[mid] = tables

    def _create_table(self) -> None:
        rng = self.rng
        name = self._unique(f"{rng.choice(_AREAS)}_{rng.choice(_ENTITIES)}")
        mid = self._next_id(f"create_{name}")
        table = _Table(name, [], commented=rng.random() < 0.9, created_by=mid)
        table.columns.append(_Column("id", "bigint", commented=rng.random() < 0.5))
        defs = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
        live = list(self.tables.values())
        for ref in rng.sample(live, k=min(len(live), rng.choice((0, 1, 1, 2, 3)))):
            column = _Column(f"{ref.name}_id", "bigint", commented=rng.random() < 0.8, fk=True)
            table.columns.append(column)
            ref.referenced_by.add(name)
            defs.append(f"{column.name} bigint REFERENCES {ref.name} (id) ON DELETE CASCADE")
        for _ in range(rng.randint(5, 40) - len(table.columns)):
            type_, default = rng.choice(_TYPES)
            column = _Column(self._column_name(table), type_, commented=rng.random() < 0.85)
            table.columns.append(column)
            extra = " NOT NULL" if default and rng.random() < 0.4 else ""
            if default and rng.random() < 0.6:
                extra += f" DEFAULT {default}"
            defs.append(f"{column.name} {type_}{extra}")
        statements = [f"CREATE TABLE {name} (\n    " + ",\n    ".join(defs) + "\n)"]
        if table.commented:
            text = f"{name.replace('_', ' ')}: {rng.choice(_REASONS)}"
            statements.append(f"COMMENT ON TABLE {name} IS {_q(text)}")
        for column in table.columns:
            if column.commented:
                text = f"The {column.name.replace('_', ' ')} of the row. {rng.choice(_REASONS)}"
                statements.append(f"COMMENT ON COLUMN {name}.{column.name} IS {_q(text)}")
        fks = [c for c in table.columns if c.fk]
        if fks:
            statements.append(f"CREATE INDEX idx_{name}_{fks[0].name} ON {name} ({fks[0].name})")
        self.tables[name] = table
        header = self._header(f"Create {name}", mid)
        self._write(mid, header, statements, [name])

    def _alter(self) -> None:
        rng = self.rng
        table = rng.choice(list(self.tables.values()))
        kind = rng.choices(
            (
                "add",
                "add_temporary",
                "rename",
                "retype",
                "drop_column",
                "late_comment",
                "index",
                "defaults",
                "rename_table",
                "drop_table",
            ),
            weights=(20, 8, 12, 10, 8, 14, 10, 10, 4, 4),
        )[0]
        others = [c for c in table.columns if c.name != "id" and not c.fk]
        if kind == "drop_table" and (table.referenced_by or len(self.tables) < 10):
            kind = "add"
        if kind in {"rename", "retype", "drop_column", "defaults"} and not others:
            kind = "add"
        name = table.name
        lifespan, drop_after, related = "permanent", None, None
        statements: list[str] = []
        if kind in {"add", "add_temporary"}:
            type_, _ = rng.choice(_TYPES)
            column = _Column(self._column_name(table), type_, commented=True)
            table.columns.append(column)
            title = f"Add {column.name} to {name}"
            statements.append(f"ALTER TABLE {name} ADD COLUMN {column.name} {type_}")
            text = f"{column.name.replace('_', ' ')}: {rng.choice(_REASONS)}"
            if kind == "add_temporary":
                day = TODAY + dt.timedelta(days=rng.randint(200, 2000))
                lifespan, drop_after = "until the legacy sync is retired", f"{day}"
                related = [table.created_by]
                text += f" Can be removed after {day}."
            statements.append(f"COMMENT ON COLUMN {name}.{column.name} IS {_q(text)}")
        elif kind == "rename":
            column = rng.choice(others)
            new = self._column_name(table)
            title = f"Rename {name}.{column.name} to {new}"
            statements.append(f"ALTER TABLE {name} RENAME COLUMN {column.name} TO {new}")
            column.name = new
            related = [table.created_by]
        elif kind == "retype":
            wider = [c for c in others if c.type in _WIDER]
            if not wider:
                return self._late_comment(table)
            column = rng.choice(wider)
            new_type = _WIDER[column.type]
            title = f"Widen {name}.{column.name} to {new_type}"
            statements.append(f"ALTER TABLE {name} ALTER COLUMN {column.name} TYPE {new_type}")
            column.type = new_type
        elif kind == "drop_column":
            column = rng.choice(others)
            title = f"Drop {name}.{column.name}"
            statements.append(f"ALTER TABLE {name} DROP COLUMN {column.name}")
            table.columns.remove(column)
            related = [table.created_by]
        elif kind == "late_comment":
            return self._late_comment(table)
        elif kind == "index":
            column = rng.choice(table.columns)
            title = f"Index {name}.{column.name}"
            index = self._unique(f"idx_{name}_{column.name}")[:63]
            statements.append(f"CREATE INDEX {index} ON {name} ({column.name})")
        elif kind == "defaults":
            column = rng.choice(others)
            defaults = [d for t, d in _TYPES if t == column.type and d]
            title = f"Tighten {name}.{column.name}"
            if defaults:
                statements.append(
                    f"ALTER TABLE {name} ALTER COLUMN {column.name} SET DEFAULT {defaults[0]}"
                )
            statements.append(f"ALTER TABLE {name} ALTER COLUMN {column.name} DROP NOT NULL")
        elif kind == "rename_table":
            new = self._unique(f"{rng.choice(_AREAS)}_{rng.choice(_ENTITIES)}")
            title = f"Rename {name} to {new}"
            statements.append(f"ALTER TABLE {name} RENAME TO {new}")
            del self.tables[name]
            table.name = new
            self.tables[new] = table
            for other in self.tables.values():
                if name in other.referenced_by:
                    other.referenced_by.discard(name)
                    other.referenced_by.add(new)
        else:  # drop_table
            title = f"Drop {name}"
            statements.append(f"DROP TABLE {name}")
            del self.tables[name]
            for other in self.tables.values():
                other.referenced_by.discard(name)
            related = [table.created_by]
        mid = self._next_id(re.sub(r"[^a-z0-9]+", "_", title.lower())[:60])
        header = self._header(title, mid, lifespan=lifespan, drop_after=drop_after, related=related)
        self._write(mid, header, statements, [table.name])
        return None

    def _late_comment(self, table: _Table) -> None:
        rng = self.rng
        statements = []
        if not table.commented:
            table.commented = True
            text = f"{table.name.replace('_', ' ')}: documented late. {rng.choice(_REASONS)}"
            statements.append(f"COMMENT ON TABLE {table.name} IS {_q(text)}")
        for column in [c for c in table.columns if not c.commented][:3]:
            column.commented = True
            text = f"Documented after the fact: {rng.choice(_REASONS)}"
            statements.append(f"COMMENT ON COLUMN {table.name}.{column.name} IS {_q(text)}")
        if not statements:
            column = rng.choice(table.columns)
            text = f"Reworded: {rng.choice(_REASONS)}"
            statements.append(f"COMMENT ON COLUMN {table.name}.{column.name} IS {_q(text)}")
        title = f"Document {table.name}"
        mid = self._next_id(f"document_{table.name}"[:60])
        self._write(mid, self._header(title, mid), statements, [table.name])

    # -- ADRs ----------------------------------------------------------------------

    def _adrs(self, count: int) -> list[str]:
        rng = self.rng
        names: list[str] = []
        live = sorted(self.tables)
        by_table: dict[str, list[str]] = {}
        for mid, tables in self.touched.items():
            for t in tables:
                by_table.setdefault(t, []).append(mid)
        for number in range(1, count + 1):
            chosen = rng.sample(live, k=min(len(live), rng.randint(1, 4)))
            columns = [
                f"{t}.{rng.choice(self.tables[t].columns).name}" for t in chosen for _ in range(2)
            ]
            columns = list(dict.fromkeys(columns))
            migrations = [m for t in chosen for m in by_table.get(t, [])[:2]]
            status = rng.choice(_STATUSES)
            date = EPOCH.date() + dt.timedelta(days=rng.randint(0, 2400))
            slug = f"{rng.choice(_AREAS)}-{rng.choice(_ENTITIES)}-{number}"
            title = f"ADR-{number:03d}: Reshape {chosen[0].replace('_', ' ')}"
            front = [
                "---",
                f"status: {status}",
                f"date: {date}",
                f"decision-makers: [{', '.join(rng.sample(_PEOPLE, 2))}]",
                f"tables: [{', '.join(chosen)}]",
                f"columns: [{', '.join(columns)}]",
                f"migrations: [{', '.join(migrations)}]",
            ]
            if status == "superseded" and number > 1:
                front.append(f'supersedes: ["{rng.randint(1, number - 1):04d}"]')
            front.append("---")
            refs = ", ".join(f"`{c}`" for c in columns)
            body = [
                f"# {title}",
                "",
                "## Context",
                "",
                *textwrap.wrap(
                    f"{rng.choice(_REASONS)} The columns involved are {refs}. "
                    f"{rng.choice(_REASONS)}",
                    76,
                ),
                "",
                "## Decision",
                "",
                *(f"- Keep `{c}` and document it; {rng.choice(_REASONS).lower()}" for c in columns),
                "",
                "## Consequences",
                "",
                *textwrap.wrap(
                    f"The {rng.choice(_TEAMS)} team updates its queries. "
                    f"Migrations: {', '.join(migrations) or 'none yet'}.",
                    76,
                ),
                "",
            ]
            name = f"{number:04d}-{slug}.md"
            (self.root / "adrs" / name).write_text("\n".join(front + body), encoding="utf-8")
            names.append(name)
        return names

    # -- project -------------------------------------------------------------------

    def run(self) -> GeneratedProject:
        (self.root / "migrations").mkdir(parents=True, exist_ok=True)
        (self.root / "adrs").mkdir(exist_ok=True)
        (self.root / "docs").mkdir(exist_ok=True)
        # Creations and alterations interleave: the schema grows while it changes.
        # The first few migrations create tables so that alterations have targets.
        head = min(3, self.n)
        rest = ["create"] * (self.n - head) + ["alter"] * self.n
        self.rng.shuffle(rest)
        for step in ["create"] * head + rest:
            if step == "create":
                self._create_table()
            else:
                self._alter()
        adrs = self._adrs(self.n_adrs)
        (self.root / "docs" / "index.md").write_text(
            f"# Synthetic schema\n\n{self.n} tables, {len(self.migrations)} migrations, "
            f"{len(adrs)} decisions. Generated by `bench/generate.py`.\n",
            encoding="utf-8",
        )
        self.root.joinpath("mkdocs.yml").write_text(mkdocs_yml(plugin=True), encoding="utf-8")
        return GeneratedProject(
            root=self.root,
            tables=self.n,
            migrations=self.migrations,
            adrs=adrs,
            statements=self.statements,
            live_tables=len(self.tables),
            live_columns=sum(len(t.columns) for t in self.tables.values()),
        )


def mkdocs_yml(*, plugin: bool, extra: dict[str, object] | None = None) -> str:
    """The benchmark's mkdocs.yml: with the plugin, or for the same pages as plain files.

    Both use the same theme, extensions, CSS and nav, so the only difference
    between the two builds is where the pages come from: ``extra`` (top-level
    keys) gives the plain build the extensions, CSS and scripts the plugin
    adds to the configuration.
    """
    common = textwrap.dedent(
        """\
        site_name: Synthetic schema
        docs_dir: docs
        theme:
          name: material
        nav:
          - Home: index.md
          - Schema: schema/index.md
          - Migrations: migrations/index.md
          - Decisions: adrs/index.md
          - Health: schema/health.md
        """
    )
    extra = {"markdown_extensions": ["admonition", "attr_list", "tables", "toc"], **(extra or {})}
    # The full dumper: a superfences fence's format function becomes !!python/name.
    common += yaml.dump(extra, Dumper=yaml.Dumper, default_flow_style=False, sort_keys=False)
    if plugin:
        return common + textwrap.dedent(
            f"""\
            plugins:
              - search
              - schema-wiki:
                  migrations: migrations
                  adrs: adrs
                  today: {TODAY}
            """
        )
    # The plugin marks per-table, per-migration and per-ADR pages not_in_nav.
    return common + textwrap.dedent(
        """\
        not_in_nav: |
          /schema/*/
          /migrations/*/
          /migrations/*.md
          /adrs/*.md
        plugins:
          - search
        """
    )


def generate(root: Path, tables: int, seed: int = 1) -> GeneratedProject:
    """Write a project with ``tables`` tables, 2 x ``tables`` migrations and tables/5 ADRs."""
    if tables < 1:
        raise ValueError("tables must be at least 1")
    return _Generator(root, tables, seed).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="directory to write the project into")
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    project = generate(args.root, args.tables, args.seed)
    print(
        f"{project.root}: {len(project.migrations)} migrations ({project.statements} statements),"
        f" {len(project.adrs)} ADRs, {project.live_tables} live tables,"
        f" {project.live_columns} columns"
    )


if __name__ == "__main__":
    main()
