"""Fast paths give the same answers as the straightforward code they replace."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from schema_wiki.model import Finding, Level, Migration, MigrationHeader, Wiki
from schema_wiki.render.views import findings_for

_PART = st.sampled_from(["public", "app", "users", "users_x", "id", "email", "a.b", ""])


def _wiki(findings: tuple[Finding, ...] = (), migrations: tuple[Migration, ...] = ()) -> Wiki:
    return Wiki(
        tables=(), migrations=migrations, adrs=(), today=dt.date(2026, 1, 31), findings=findings
    )


@given(
    targets=st.lists(st.lists(_PART, min_size=1, max_size=4).map(".".join), max_size=30),
    prefix=st.lists(_PART, min_size=1, max_size=3).map(".".join),
)
def test_findings_for_matches_a_scan(targets: list[str], prefix: str) -> None:
    wiki = _wiki(tuple(Finding("r", Level.WARNING, t, f"m{i}") for i, t in enumerate(targets)))
    expected = [f for f in wiki.findings if f.target == prefix or f.target.startswith(prefix + ".")]
    assert findings_for(wiki, prefix) == expected
    # A new wiki (the model is immutable) has its own index: never the last one's.
    later = _wiki((*wiki.findings, Finding("r", Level.ERROR, prefix, "new")))
    assert findings_for(later, prefix)[-1].message == "new"
    assert findings_for(wiki, prefix) == expected


@given(
    names=st.lists(st.sampled_from(["001_a", "002_b", "002", "001", "003_c"]), max_size=6),
    key=st.sampled_from(["001_a", "002", "001", "migrations/003_c.sql", "003", "9", "00"]),
)
def test_find_migration_matches_a_scan(names: list[str], key: str) -> None:
    from schema_wiki.join.wiki import find_migration

    migrations = [
        Migration(
            id=n,
            version=n.split("_")[0],
            name=n,
            path=f"migrations/{n}.sql",
            header=MigrationHeader(),
            files=(),
            statements=(),
        )
        for n in names
    ]
    wiki = _wiki(migrations=tuple(migrations))
    stem = key.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".sql")
    expected = next((m for m in migrations if stem in (m.id, m.version, m.path)), None)
    if expected is None:
        expected = next(
            (m for m in migrations if m.id.startswith(stem) or stem.startswith(m.id)), None
        )
    assert find_migration(wiki, key) is expected
