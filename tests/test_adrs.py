"""Reading ADRs: front matter, the seed's plain form, errors as findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from schema_wiki.sources.adrs import load_adrs, parse_adr

SEED_ADR = """# ADR-015: Split users table into users and user_profiles

## Status
Accepted

## Context
Users table has grown to 50+ columns. Query performance degrading.

## Decision
Split into:
- `users`: Auth-related fields (id, email, password_hash)
- `user_profiles`: Profile fields (bio, avatar, settings)

## Migration Plan
See: migrations/20240215_split_users_table/PLAN.md
"""


def test_seed_adr_as_written() -> None:
    adr, findings = parse_adr(SEED_ADR.encode(), "adrs/ADR-015.md", "ADR-015")
    assert findings == []
    assert adr is not None
    assert adr.number == 15
    assert adr.title == "Split users table into users and user_profiles"
    assert adr.status == "accepted"
    assert "20240215_split_users_table" in adr.migrations


def test_madr_front_matter_with_refs_and_unquoted_date() -> None:
    text = (
        "---\nstatus: Accepted\ndate: 2024-02-26\ntables: [users, user_profiles]\n"
        "columns: [users.bio]\n---\n# Split users\n\nWe move `users.bio` out.\n"
    )
    adr, findings = parse_adr(text.encode(), "adrs/0015-split.md", "0015-split")
    assert findings == [] and adr is not None
    assert adr.number == 15 and adr.status == "accepted"
    assert adr.date == dt.date(2024, 2, 26)
    refs = [(r.text, r.location.line) for r in adr.refs]
    assert ("users", 4) in refs and ("user_profiles", 4) in refs
    assert ("users.bio", 5) in refs
    assert ("users.bio", 9) in refs  # the backticked mention in the body


def test_placeholders_and_unknown_status_are_findings_not_crashes() -> None:
    text = (
        "---\nstatus: pondering\ndate: {YYYY-MM-DD when the decision was last updated}\n---\n# T\n"
    )
    adr, findings = parse_adr(text.encode(), "adrs/0001-t.md", "0001-t")
    assert adr is not None and adr.date is None
    assert [f.rule for f in findings] == ["invalid-status"]
    assert str(findings[0].location) == "adrs/0001-t.md:2"


def test_broken_yaml_names_file_and_line() -> None:
    text = "---\nstatus: accepted\ntables: [users\n---\n# T\n"
    adr, findings = parse_adr(text.encode(), "adrs/0002-t.md", "0002-t")
    assert adr is not None
    assert findings[0].rule == "invalid-front-matter"
    assert findings[0].location is not None and findings[0].location.path == "adrs/0002-t.md"
    assert findings[0].location.line is not None and findings[0].location.line >= 3


def test_invalid_utf8_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "adrs").mkdir()
    (tmp_path / "adrs" / "0003-bad.md").write_bytes(b"# Bad \xff\xfe title\n")
    (tmp_path / "adrs" / "0004-good.md").write_text("# Good\n")
    adrs, findings = load_adrs(tmp_path, tmp_path / "adrs")
    assert [a.id for a in adrs] == ["0004-good"]
    assert findings[0].rule == "invalid-file" and findings[0].location.path == "adrs/0003-bad.md"
