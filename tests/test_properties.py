"""Property-based tests: random input to the parsers of migrations and ADRs.

`test_headers` and `test_statements` already feed arbitrary text to the header
parser and the statement splitter (they never raise). These go further:

* the splitter, given statements whose identifiers, strings, ``E''`` strings,
  dollar quotes and comments hold random text, finds exactly those statements,
  verbatim, on the lines where they start;
* the header parser gives back every field's random value, whatever the
  key's spelling, and reports only lines the file has;
* the ADR parser takes any bytes and any YAML front matter without raising,
  and keeps a valid status and date;
* reading a migrations directory of random files in random layouts raises
  nothing but `SourceError`, the error `load_migrations` documents.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schema_wiki.errors import SourceError
from schema_wiki.model import Finding
from schema_wiki.sources.adrs import STATUSES, parse_adr
from schema_wiki.sources.headers import KNOWN_FIELDS, parse_header
from schema_wiki.sources.migrations import load_migrations
from schema_wiki.sources.statements import split_statements

# Text a file can hold once read: no NUL (PostgreSQL refuses it), no lone surrogates,
# no carriage returns (the readers turn CRLF into LF before parsing).
_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r")
_TEXT = st.text(_CHARS, max_size=30)
_LINE = st.text(st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=30)


def _lines_in(text: str) -> int:
    return text.count("\n") + 1


def _located_within(findings: list[Finding], path: str, lines: int) -> None:
    for finding in findings:
        assert finding.location is not None and finding.location.path == path
        assert finding.location.line is None or 1 <= finding.location.line <= lines


# --- the statement splitter ----------------------------------------------------------------


@st.composite
def _identifier(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True))
    name = draw(st.text(_CHARS, min_size=1, max_size=15))
    return '"' + name.replace('"', '""') + '"'


@st.composite
def _literal(draw: st.DrawFn) -> str:
    body = draw(_TEXT)
    kind = draw(st.sampled_from(["standard", "escape", "dollar"]))
    if kind == "standard":  # backslashes are plain characters here
        return "'" + body.replace("'", "''") + "'"
    if kind == "escape":
        return "E'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"
    tag = draw(st.from_regex(r"([a-z_][a-z0-9_]{0,4})?", fullmatch=True))
    assume(f"${tag}$" not in body and not body.endswith("$"))
    return f"${tag}${body}${tag}$"


@st.composite
def _statement(draw: st.DrawFn) -> str:
    name, value = draw(_identifier()), draw(_literal())
    return draw(
        st.sampled_from(
            [
                f"CREATE TABLE {name} (x text DEFAULT {value})",
                f"COMMENT ON TABLE {name} IS {value}",
                f"INSERT INTO {name} VALUES ({value}, 1)",
                f"DO {value}",
                f"ALTER TABLE {name}\n  ADD COLUMN y text DEFAULT {value}",
            ]
        )
    )


@st.composite
def _separator(draw: st.DrawFn) -> str:
    """What goes between statements: a semicolon, blanks and comments of random text."""
    pieces = [";"]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["line", "block", "blank"]))
        if kind == "line":
            pieces.append(" -- " + draw(_LINE).replace("\n", " ") + "\n")
        elif kind == "block":
            text = draw(_TEXT)
            assume("*/" not in text and "/*" not in text and not text.endswith(("*", "/")))
            pieces.append(f"/* {text} */")
        else:
            pieces.append("\n" * draw(st.integers(1, 3)))
    pieces.append("\n")
    return "".join(pieces)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_statement(), _separator()), min_size=1, max_size=6))
def test_the_splitter_finds_each_statement_verbatim_on_its_line(
    parts: list[tuple[str, str]],
) -> None:
    sql, expected = "", []
    for statement, separator in parts:
        expected.append((statement, _lines_in(sql)))
        sql += statement + separator
    found = split_statements(sql, "m.sql")
    assert [(s.sql, s.location.line) for s in found] == expected


@settings(max_examples=200, deadline=None)
@given(st.text(_CHARS, max_size=200))
def test_statements_are_pieces_of_the_text_in_order(text: str) -> None:
    lines = _lines_in(text)
    previous = 0
    for statement in split_statements(text, "m.sql"):
        line = statement.location.line
        assert line is not None and previous <= line <= lines
        previous = line
        assert statement.sql.strip()


# --- the header parser ------------------------------------------------------------------


@st.composite
def _spelling(draw: st.DrawFn, key: str) -> str:
    """``Can drop after`` as ``can_drop_after``, ``CAN-DROP-AFTER``, ``Can Drop After``..."""
    joiner = draw(st.sampled_from([" ", "_", "-"]))
    words = [draw(st.sampled_from([w.lower(), w.upper(), w.capitalize()])) for w in key.split()]
    return joiner.join(words)


@st.composite
def _header(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    keys = draw(st.lists(st.sampled_from(sorted(KNOWN_FIELDS)), unique=True, max_size=6))
    lines, values = [], {}
    for key in keys:
        value = draw(_LINE.map(str.strip).filter(bool))
        lines.append(f"-- {draw(_spelling(key))}: {value}")
        values[key] = value
    return "\n".join(lines) + "\nCREATE TABLE t (x int);\n", values


@settings(max_examples=300, deadline=None)
@given(_header())
def test_every_header_field_comes_back_whatever_its_spelling(
    header: tuple[str, dict[str, str]],
) -> None:
    sql, values = header
    parsed, findings = parse_header(sql, "m.sql")
    assert {key: parsed.text(key) for key in values} == values
    _located_within(findings, "m.sql", _lines_in(sql))


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("-/*: \n\tDateCanropfmxMig2024-13.0,;'$\ufeff")), max_size=200))
def test_header_findings_point_at_lines_the_file_has(text: str) -> None:
    _parsed, findings = parse_header(text, "m.sql")
    _located_within(findings, "m.sql", _lines_in(text))


# --- the ADR parser ---------------------------------------------------------------------

_YAML_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates()
    | _TEXT
)
_YAML_VALUES = st.recursive(
    _YAML_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_ADR_KEYS = [
    "status",
    "date",
    "decision-makers",
    "deciders",
    "consulted",
    "informed",
    "tags",
    "tables",
    "columns",
    "migrations",
    "supersedes",
    "superseded-by",
    "amends",
    "relates-to",
]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_an_adr_or_findings(data: bytes) -> None:
    adr, findings = parse_adr(data, "adrs/0001-x.md", "0001-x")
    assert adr is not None and adr.title
    _located_within(findings, "adrs/0001-x.md", data.count(b"\n") + 2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(_ADR_KEYS) | _TEXT, _YAML_VALUES, max_size=6),
    st.text(_CHARS, max_size=100),
)
def test_any_yaml_front_matter_is_read_or_reported(meta: dict[str, object], body: str) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    adr, findings = parse_adr(text.encode(), "adrs/0002-x.md", "0002-x")
    assert adr is not None
    assert adr.status
    _located_within(findings, "adrs/0002-x.md", _lines_in(text))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(STATUSES), st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), _TEXT)
def test_a_valid_status_and_date_are_kept(status: str, date: dt.date, noise: str) -> None:
    meta = {"status": status, "date": date.isoformat(), "informed": [noise]}
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n# Title\n"
    adr, findings = parse_adr(text.encode(), "adrs/0003-x.md", "0003-x")
    assert adr is not None and (adr.status, adr.date) == (status, date)
    assert [f for f in findings if f.rule != "dangling-reference"] == []


# --- reading a whole migrations directory -----------------------------------------------

_NAMES = st.sampled_from(
    [
        "20240101090000_create.sql",
        "20240101090000_same_version.sql",
        "20240102_short.sql",
        "1_first.up.sql",
        "1_first.down.sql",
        "0002_next.sql",
        "V1__init.sql",
        "V1.1__more.sql",
        "R__view.sql",
        "U1__undo.sql",
        "00001_goose.sql",
        "README.md",
        "schema.sql",
        ".hidden.sql",
        "notes.txt",
        "20240301_dir/001_a.sql",
        "20240301_dir/README.md",
        "20240301_dir/down.sql",
        "2024-03-01-120000_diesel/up.sql",
        "2024-03-01-120000_diesel/down.sql",
        "20240401120000_drizzle/migration.sql",
        "meta/_journal.json",
        "sqitch.plan",
        "deploy/change.sql",
    ]
)
_CONTENT = st.one_of(
    st.text(st.sampled_from(list("-- migrate:upgose+Up;CREATE TABLE t(x int)'$\n ")), max_size=80),
    st.just('{"entries": [{"idx": 0, "tag": "0002_next", "when": 1}]}'),
    st.just("%project=x\nchange 2024-01-01T00:00:00Z A <a@b> # note\n"),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.binary(max_size=20),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_NAMES, _CONTENT, max_size=6))
def test_any_migrations_directory_reads_or_raises_source_error(
    files: dict[str, str | bytes],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        directory = root / "migrations"
        directory.mkdir()
        for name, content in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        try:
            migrations, findings = load_migrations(root, directory)
        except SourceError as error:
            assert str(error).strip() and "\n" not in str(error)
            return
        for migration in migrations:
            assert migration.path.startswith("migrations/")
            for statement in migration.statements:
                assert statement.location.line is None or statement.location.line >= 1
        for finding in findings:
            assert finding.location is None or finding.location.path.startswith("migrations")
