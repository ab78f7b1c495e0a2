"""Reading ADRs in every layout teams use: MADR 2/3/4, adr-tools, log4brains, the seed's.

Relations and schema links across ADRs are in ``test_adrs_links.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schema_wiki.model import Adr, RelationKind
from schema_wiki.sources.adrs import load_adrs, normalise_date, normalise_status, parse_adr

FIXTURES = Path(__file__).parent / "fixtures" / "adrs"
SEED_ADR = (FIXTURES / "seed" / "ADR-015.md").read_bytes()


def _parse(text: str, rel: str = "adrs/0001-t.md") -> tuple[Adr, list[str]]:
    stem = rel.rsplit("/", 1)[-1].removesuffix(".md")
    adr, findings = parse_adr(text.encode(), rel, stem)
    assert adr is not None
    return adr, [f"{f.rule}@{f.location}" for f in findings]


@pytest.fixture(scope="module")
def formats() -> dict[str, Adr]:
    adrs, findings = load_adrs(FIXTURES, FIXTURES / "formats")
    assert findings == []
    return {a.id: a for a in adrs}


# --- the seed's ADR, exactly as written there ----------------------------------------


def test_seed_adr_as_written() -> None:
    assert SEED_ADR.startswith(b"# ADR-015: Split users table") and b"Week 5" in SEED_ADR
    adr, findings = parse_adr(SEED_ADR, "adrs/ADR-015.md", "ADR-015")
    assert findings == []
    assert adr is not None
    assert adr.number == 15
    assert adr.title == "Split users table into users and user_profiles"
    assert adr.status == "accepted"
    assert adr.date is None
    assert adr.format == "nygard"
    assert "20240215_split_users_table" in adr.migrations
    # `users` alone in backticks may be a table: a candidate the join keeps if it is one.
    assert [r.text for r in adr.refs] == ["users", "user_profiles"]
    assert not any(r.explicit for r in adr.refs)


# --- MADR ------------------------------------------------------------------------------


def test_madr2_bullet_metadata(formats: dict[str, Adr]) -> None:
    adr = formats["0001-use-markdown-architectural-decision-records"]
    assert adr.format == "bullets"
    assert adr.number == 1
    assert adr.title == "Use Markdown Architectural Decision Records"
    assert adr.status == "accepted"
    assert adr.date == dt.date(2017, 12, 18)
    assert adr.decision_makers == ("Oliver Kopp", "Stefan Kapferer")
    assert [r.text for r in adr.refs] == ["users.email"]
    # "## Links" with "Relates to [ADR-0002](...)"
    assert [(r.kind, r.target) for r in adr.relations] == [
        (RelationKind.RELATES_TO, "0002-keep-users-small.md")
    ]


def test_madr2_placeholders_and_superseded_status_with_link(formats: dict[str, Adr]) -> None:
    adr = formats["0002-keep-users-small"]
    assert adr.status == "superseded"
    assert adr.decision_makers == ()  # "[list everyone involved in the decision]"
    assert adr.date is None  # "[YYYY-MM-DD when the decision was last updated]"
    rel = adr.relations[0]
    assert (rel.kind, rel.target) == (
        RelationKind.SUPERSEDED_BY,
        "../madr/0005-split-users-table.md",
    )
    assert str(rel.location) == "formats/madr2/0002-keep-users-small.md:3"


def test_madr3_deciders_consulted_informed(formats: dict[str, Adr]) -> None:
    adr = formats["0004-comment-on-everything"]
    assert adr.format == "madr"
    assert (adr.status, adr.date) == ("accepted", dt.date(2024, 2, 19))
    assert adr.decision_makers == ("Erin", "Alice")
    assert adr.consulted == ("Carol", "Dan")
    assert adr.informed == ()  # an unfilled {placeholder}, which YAML reads as a mapping
    assert [(r.text, r.explicit, r.location.line) for r in adr.refs] == [("users", True, 8)]


def test_madr4_decision_makers_block_lists_and_relations(formats: dict[str, Adr]) -> None:
    adr = formats["0005-split-users-table"]
    assert adr.decision_makers == ("Alice (@alice)", "Bob (@bob)")
    assert adr.consulted == () and adr.informed == ("Analytics team",)
    refs = [(r.text, r.location.line) for r in adr.refs]
    # Each block-list item carries its own line.
    assert ("users.bio", 12) in refs and ("user_profiles.bio", 13) in refs
    # A link to a table page is an explicit reference, to a column by its anchor.
    assert [(r.schema, r.table, r.column, r.explicit) for r in adr.refs if r.schema] == [
        ("public", "users", "email", True)
    ]
    assert [(r.kind, r.target, r.location.line) for r in adr.relations] == [
        (RelationKind.AMENDS, "0004", 14)
    ]


def test_madr4_template_left_unfilled_is_quiet() -> None:
    text = (
        "---\n"
        'status: "{proposed | rejected | accepted | deprecated | … | superseded by ADR-0123}"\n'
        "date: {YYYY-MM-DD when the decision was last updated}\n"
        "decision-makers: {list everyone involved in the decision}\n"
        "consulted: {list everyone whose opinions are sought}\n"
        "informed: {list everyone who is kept up-to-date on progress}\n"
        "---\n"
        "# {short title, representative of solved problem and found solution}\n"
    )
    adr, findings = _parse(text)
    assert findings == []
    assert adr.status == "proposed" and adr.date is None
    assert adr.decision_makers == adr.consulted == adr.informed == ()
    assert adr.relations == ()


# --- adr-tools / Nygard ---------------------------------------------------------------


def test_adr_tools_superseded_by_link(formats: dict[str, Adr]) -> None:
    adr = formats["0006-record-architecture-decisions"]
    assert adr.format == "nygard"
    assert (adr.number, adr.title) == (6, "Record architecture decisions")
    assert adr.date == dt.date(2024, 3, 1)
    # adr-tools replaces "Accepted" by the "Superseded by" line.
    assert adr.status == "superseded"
    assert [(r.kind, r.target, str(r.location)) for r in adr.relations] == [
        (
            RelationKind.SUPERSEDED_BY,
            "0007-record-decisions-with-madr.md",
            "formats/adr-tools/0006-record-architecture-decisions.md:7",
        )
    ]


def test_adr_tools_status_with_supersedes_and_amended_by_lines(formats: dict[str, Adr]) -> None:
    adr = formats["0007-record-decisions-with-madr"]
    assert adr.status == "accepted"
    assert [(r.kind, r.location.line) for r in adr.relations] == [
        (RelationKind.SUPERSEDES, 9),
        (RelationKind.AMENDED_BY, 11),
    ]


# --- log4brains ----------------------------------------------------------------------


def test_log4brains_bullets_date_prefix_and_draft(formats: dict[str, Adr]) -> None:
    adr = formats["20240410-use-log4brains"]
    # The file name's prefix is a date, not ADR number 20,240,410.
    assert adr.number is None
    assert adr.status == "proposed"  # log4brains' "draft"
    assert adr.date == dt.date(2024, 4, 12)  # the bullet wins over the file name
    assert adr.tags == ("doc", "tooling")
    assert [(r.kind, r.target) for r in adr.relations] == []  # free text is not a relation
    other = formats["20240415-publish-the-log"]
    assert other.date == dt.date(2024, 4, 15)  # from the file name
    assert other.decision_makers == ("Thomas Vaillant", "Alice")


def test_load_is_recursive_skips_readme_and_sorts_by_number(formats: dict[str, Adr]) -> None:
    ids = list(formats)
    assert "README" not in ids
    assert ids[:7] == [
        "0001-use-markdown-architectural-decision-records",
        "0002-keep-users-small",
        "0004-comment-on-everything",
        "0005-split-users-table",
        "0006-record-architecture-decisions",
        "0007-record-decisions-with-madr",
        "0008-number-adrs-from-the-file-name",
    ]
    assert ids[7:] == ["20240410-use-log4brains", "20240415-publish-the-log"]


# --- numbers, statuses, dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "text", "number", "title"),
    [
        ("adrs/0015-split.md", "# Split\n", 15, "Split"),
        ("adrs/adr-7.md", "# Seven\n", 7, "Seven"),
        ("adrs/split.md", "# ADR-015: Split\n", 15, "Split"),
        ("adrs/split.md", "# 12. Split\n", 12, "Split"),
        ("adrs/split.md", "---\nnumber: 42\n---\n# ADR 42 - Split\n", 42, "Split"),
        ("adrs/split.md", "---\nadr: ADR-0009\n---\n# Split\n", 9, "Split"),
        ("adrs/notes.md", "# ADRs are useful\n", None, "ADRs are useful"),
    ],
)
def test_number_from_file_name_front_matter_or_title(
    rel: str, text: str, number: int | None, title: str
) -> None:
    adr, _ = _parse(text, rel)
    assert (adr.number, adr.title) == (number, title)


@pytest.mark.parametrize(
    ("written", "status", "unknown"),
    [
        ("Accepted", "accepted", False),
        ("**Accepted.** Completed on 2024-08-20", "accepted", False),
        ("Accepted (RFC closed 2024-04-12)", "accepted", False),
        ("superseded by [ADR-0005](0005-example.md)", "superseded", False),
        ("Draft", "proposed", False),
        ("DEPRECATED", "deprecated", False),
        (None, "proposed", False),
        ("pondering", "pondering", True),
    ],
)
def test_status_normalised(written: str | None, status: str, unknown: bool) -> None:
    assert normalise_status(written) == (status, unknown)


@pytest.mark.parametrize(
    ("value", "date", "problem"),
    [
        (dt.date(2024, 2, 26), dt.date(2024, 2, 26), None),  # unquoted YAML date
        (dt.datetime(2024, 2, 26, 14, 0), dt.date(2024, 2, 26), None),
        ("2024-02-26", dt.date(2024, 2, 26), None),
        ({"YYYY-MM-DD when the decision was last updated": None}, None, None),
        ("{YYYY-MM-DD}", None, None),
        ("YYYY-MM-DD", None, None),
        (None, None, None),
        ("26/02/2024", None, "26/02/2024"),
    ],
)
def test_date_normalised(value: object, date: dt.date | None, problem: str | None) -> None:
    assert normalise_date(value) == (date, problem)


def test_unknown_status_is_a_finding_with_its_line_not_a_crash() -> None:
    text = (
        "---\nstatus: pondering\ndate: {YYYY-MM-DD when the decision was last updated}\n---\n# T\n"
    )
    adr, findings = _parse(text)
    assert adr.date is None and adr.status == "pondering"
    assert findings == ["invalid-status@adrs/0001-t.md:2"]


def test_unknown_status_in_status_section_points_at_its_line() -> None:
    adr, findings = _parse("# 1. T\n\nDate: 2024-01-01\n\n## Status\n\nMaybe later\n")
    assert adr.status == "maybe"
    assert findings == ["invalid-status@adrs/0001-t.md:7"]


def test_invalid_date_is_a_finding_with_its_line() -> None:
    adr, findings = _parse("# T\n\n* Status: accepted\n* Date: next tuesday\n")
    assert adr.date is None
    assert findings == ["invalid-date@adrs/0001-t.md:4"]


# --- broken files --------------------------------------------------------------------


def test_broken_yaml_names_file_and_line_and_keeps_the_body() -> None:
    text = "---\nstatus: accepted\ntables: [users\n---\n# T\n\n## Status\n\nRejected\n"
    adr, findings = _parse(text, "adrs/0002-t.md")
    assert findings[0].startswith("invalid-front-matter@adrs/0002-t.md:")
    assert int(findings[0].rsplit(":", 1)[1]) >= 3
    # The page can still show the title and the status the body states.
    assert adr.title == "T" and adr.status == "rejected"


def test_unclosed_front_matter_is_a_finding() -> None:
    _, findings = _parse("---\nstatus: accepted\n# T\n")
    assert findings == ["invalid-front-matter@adrs/0001-t.md:1"]


def test_invalid_utf8_is_a_finding_and_a_page_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "adrs").mkdir()
    (tmp_path / "adrs" / "0003-bad.md").write_bytes(b"# Bad\n\n\xff\xfe title\n")
    (tmp_path / "adrs" / "0004-good.md").write_text("# Good\n")
    adrs, findings = load_adrs(tmp_path, tmp_path / "adrs")
    assert [a.id for a in adrs] == ["0003-bad", "0004-good"]
    assert adrs[0].error is not None and "UTF-8" in adrs[0].error
    assert adrs[0].number == 3
    assert [(f.rule, str(f.location)) for f in findings] == [("invalid-file", "adrs/0003-bad.md:3")]


def test_crlf_and_bom_are_read() -> None:
    text = "\ufeff---\r\nstatus: accepted\r\n---\r\n# T\r\n\r\nWe use `users.email`.\r\n"
    adr, findings = _parse(text)
    assert findings == [] and adr.status == "accepted"
    assert [(r.text, r.location.line) for r in adr.refs] == [("users.email", 6)]


def test_backticked_refs_in_code_blocks_are_not_refs() -> None:
    adr, _ = _parse("# T\n\n```sql\nSELECT `users.email`\n```\n\nBut `users.id` is.\n")
    assert [r.text for r in adr.refs] == ["users.id"]
