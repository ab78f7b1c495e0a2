"""Each rule with a passing and a failing case; levels and exclusions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks_support import with_witness
from factories import TODAY, catalog, change, migration
from schema_wiki.checks import RULES, Context, run_checks
from schema_wiki.config import RuleConfig, parse_checks
from schema_wiki.join.drop_dates import DropStatus, drop_status
from schema_wiki.join.wiki import build_wiki
from schema_wiki.model import Action, Level
from schema_wiki.render.views import column_badges


def _legacy_wiki(drop_after: str, today: dt.date = TODAY):
    migrations = [
        migration(
            "20240215000000",
            "legacy",
            change(Action.ADD_COLUMN, "users", "legacy_id", detail="text"),
            header={"Can drop after": drop_after},
        ),
    ]
    cat = catalog(("users", [("legacy_id", "text", "kept")]))
    return build_wiki(migrations, [], with_witness(migrations, cat), today)


def _rules(findings):
    return sorted({f.rule for f in findings})


def test_expired_column_is_an_error_naming_column_date_and_file_line() -> None:
    findings = run_checks(_legacy_wiki("2024-08-15")).findings
    expired = [f for f in findings if f.rule == "expired-column"]
    assert len(expired) == 1
    f = expired[0]
    assert f.level == Level.ERROR
    assert f.target == "public.users.legacy_id"
    assert "2024-08-15" in f.message
    assert str(f.location) == "migrations/20240215000000_legacy.sql:1"
    assert f.format().startswith("migrations/20240215000000_legacy.sql:1: error expired-column:")


def test_column_before_its_date_is_not_expired() -> None:
    assert "expired-column" not in _rules(run_checks(_legacy_wiki("2031-06-30")).findings)
    # The drop date itself is still allowed.
    assert "expired-column" not in _rules(run_checks(_legacy_wiki("2026-01-31")).findings)


@pytest.mark.parametrize(
    ("offset", "expired", "expiring"),
    [(-1, True, False), (0, False, True), (1, False, True), (30, False, True), (31, False, False)],
)
def test_the_day_after_the_drop_date_is_expired_and_the_date_itself_is_not(
    offset: int, expired: bool, expiring: bool
) -> None:
    # TODAY minus one day: the drop date was yesterday.
    drop = (TODAY + dt.timedelta(days=offset)).isoformat()
    rules = _rules(run_checks(_legacy_wiki(drop)).findings)
    assert ("expired-column" in rules) is expired
    assert ("expiring-column" in rules) is expiring


@given(offset=st.integers(-400, 400), warn_days=st.integers(0, 90))
def test_badges_and_rules_agree_on_every_day(offset: int, warn_days: int) -> None:
    wiki = _legacy_wiki((TODAY + dt.timedelta(days=offset)).isoformat())
    table = wiki.tables[0]
    column = table.columns[0]
    badges = str(column_badges(wiki, table, column, warn_days=warn_days))
    found = _rules(run_checks(wiki, context=Context(warn_days=warn_days)).findings)
    assert ("expired-column" in found) == (">expired<" in badges)
    assert ("expiring-column" in found) == (">expiring<" in badges)
    status = drop_status(column.drop_after, wiki.today, warn_days)
    assert (status == DropStatus.EXPIRED) == (offset < 0)


def test_expiring_column_warns_within_warn_days() -> None:
    assert "expiring-column" in _rules(run_checks(_legacy_wiki("2026-02-20")).findings)
    assert "expiring-column" not in _rules(run_checks(_legacy_wiki("2026-06-20")).findings)


def test_undocumented_column_and_table() -> None:
    wiki = build_wiki(
        [],
        [],
        catalog(("users", [("id", "bigint", None), ("email", "text", "Login")]), comment=None),
        TODAY,
    )
    findings = run_checks(wiki).findings
    assert {(f.rule, f.target, f.level) for f in findings} == {
        ("undocumented-column", "public.users.id", Level.WARNING),
        ("undocumented-table", "public.users", Level.WARNING),
    }


def test_exclusions_and_levels_from_config() -> None:
    wiki = build_wiki(
        [], [], catalog(("users", [("id", "bigint", None), ("note", "text", None)])), TODAY
    )
    settings = parse_checks({"undocumented-column": {"exclude": ["*.id"], "level": "error"}})
    findings = run_checks(wiki, settings).findings
    assert [(f.target, f.level) for f in findings] == [("public.users.note", Level.ERROR)]
    assert run_checks(wiki, {"undocumented-column": RuleConfig(level=Level.IGNORE)}).findings == ()


def test_every_rule_is_documented() -> None:
    for rule in RULES:
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert "**Problem.**" in rule.doc and "**Fix.**" in rule.doc, rule.name


def test_every_rule_name_the_code_reports_is_a_documented_rule() -> None:
    """A source that starts reporting a new rule must give it a module in checks/."""
    import re
    from pathlib import Path

    import schema_wiki

    package = Path(schema_wiki.__file__).parent
    literal = re.compile(
        r"""(?:Finding\(\s*(?:rule=)?|\.note\(\s*|\bRULE\s*=\s*|rule=)"([a-z]+(?:-[a-z]+)+)\""""
    )
    named: set[str] = set()
    for path in package.rglob("*.py"):
        named.update(literal.findall(path.read_text(encoding="utf-8")))
    assert named, "the pattern found no rule names at all"
    assert "dangling-reference" in named and "unreadable-migration" in named
    assert named <= {r.name for r in RULES}, named - {r.name for r in RULES}


def test_the_context_carries_every_setting_the_rules_read(tmp_path: Path) -> None:
    from schema_wiki.config import CoverageMin, WikiConfig
    from schema_wiki.join.owners import OwnerRule
    from schema_wiki.join.schedule import FreezeWindow

    owners = (OwnerRule("public.*", "Team A"),)
    windows = (FreezeWindow("Sat", "weekend"),)
    config = WikiConfig(
        root=tmp_path,
        migrations_dir=tmp_path / "migrations",
        adrs_dir=tmp_path / "adrs",
        warn_days=12,
        required_header_fields=("Ticket",),
        coverage_min=CoverageMin(tables=90, columns=70),
        owners=owners,
        freeze_windows=windows,
        freeze_timezone="Europe/Paris",
    )
    assert Context.from_config(config) == Context(
        warn_days=12,
        required_header_fields=("Ticket",),
        coverage_min=CoverageMin(tables=90, columns=70),
        root=tmp_path,
        owners=owners,
        freeze_windows=windows,
        freeze_timezone="Europe/Paris",
    )


def test_the_expired_message_says_where_the_code_still_names_the_column() -> None:
    import dataclasses

    from schema_wiki.checks.expired_column import code_note
    from schema_wiki.model import CodeReference

    wiki = _legacy_wiki("2024-08-15")
    target = "public.users.legacy_id"
    assert code_note(wiki, target) == ""  # no code_paths: nothing is claimed
    searched = dataclasses.replace(wiki, code_references={})
    assert code_note(searched, target) == "; no reference left in code_paths: safe to drop"
    refs = tuple(CodeReference(f"src/w{i}.ts", 10 + i, "legacy_id", "query") for i in range(5))
    found = dataclasses.replace(wiki, code_references={target: refs[:1]})
    assert code_note(found, target) == "; still referenced at src/w0.ts:10"
    many = dataclasses.replace(wiki, code_references={target: refs})
    assert code_note(many, target) == (
        "; still referenced at src/w0.ts:10, src/w1.ts:11, src/w2.ts:12 and 2 more"
    )
    assert code_note(many, target, shown=5).endswith("src/w4.ts:14")
    [finding] = [f for f in run_checks(found).findings if f.rule == "expired-column"]
    assert finding.message.endswith("; still referenced at src/w0.ts:10")
