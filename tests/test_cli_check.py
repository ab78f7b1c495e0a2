"""``schema-wiki check``: the report formats (byte-exact GitHub annotations, SARIF that
validates against the official 2.1.0 schema) and the exit codes, run as CI runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from helpers import FIXTURES, run
from schema_wiki.checks import RULES
from schema_wiki.checks.coverage import Coverage, CoverageReport, Share
from schema_wiki.model import Finding, Ignore, Level, Location, Silenced
from schema_wiki.output.findings import (
    FindingsReport,
    escape_data,
    escape_property,
    github_annotation,
    render_findings,
)

#: The OASIS SARIF 2.1.0 schema (errata01), vendored: tests run without a network.
SARIF_SCHEMA = FIXTURES / "checks" / "sarif-schema-2.1.0.json"

EXPIRED_LINE = "migrations/20240215093000_add_legacy_id.sql:11"


def _validate_sarif(log: object) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)


def _report(root: Path, *findings: Finding, **kw: object) -> FindingsReport:
    return FindingsReport(findings=list(findings), root=root, **kw)  # type: ignore[arg-type]


# --- formats, without a database ------------------------------------------------------------


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a%b:c,d\ne") == "a%25b%3Ac%2Cd%0Ae"


def test_github_annotations_byte_for_byte(tmp_path: Path) -> None:
    findings = [
        Finding(
            "expired-column",
            Level.ERROR,
            "public.users.legacy_id",
            "dropped after 2024-08-15: 100% sure,\nreally",
            Location("migrations/a,b:c.sql", 11),
        ),
        Finding("unsafe-migration", Level.WARNING, "public.users", "no line", Location("m.sql")),
        Finding("migration-not-in-journal", Level.INFO, "x", "note", Location("d/x.sql", 1)),
        Finding("low-coverage", Level.WARNING, "public", "60% of columns"),
    ]
    out = render_findings(_report(tmp_path, *findings), "github", base=tmp_path)
    assert out.encode() == (
        b"::error file=migrations/a%2Cb%3Ac.sql,line=11,title=expired-column"
        b"::dropped after 2024-08-15: 100%25 sure,%0Areally\n"
        b"::warning file=m.sql,title=unsafe-migration::no line\n"
        b"::notice file=d/x.sql,line=1,title=migration-not-in-journal::note\n"
        b"::warning title=low-coverage::60%25 of columns\n"
    )


def test_paths_are_relative_to_the_directory_the_command_runs_in(tmp_path: Path) -> None:
    project = tmp_path / "db" / "wiki"
    project.mkdir(parents=True)
    f = Finding("expired-column", Level.ERROR, "t", "m", Location("migrations/a.sql", 3))
    assert github_annotation(f).startswith("::error file=migrations/a.sql,line=3,")
    text = render_findings(_report(project, f), "text", base=tmp_path)
    assert text == "db/wiki/migrations/a.sql:3: error expired-column: m\n"
    elsewhere = render_findings(_report(project, f), "text", base=tmp_path / "other")
    assert elsewhere.startswith("migrations/a.sql:3:")


def test_text_format_is_one_line_per_finding(tmp_path: Path) -> None:
    findings = [
        Finding("expired-column", Level.ERROR, "public.users.x", "gone", Location("m.sql", 2)),
        Finding("low-coverage", Level.WARNING, "public", "low"),
    ]
    out = render_findings(_report(tmp_path, *findings), "text", base=tmp_path)
    assert out == "m.sql:2: error expired-column: gone\npublic: warning low-coverage: low\n"
    assert render_findings(_report(tmp_path), "text", base=tmp_path) == ""


def test_json_format(tmp_path: Path) -> None:
    finding = Finding("unsafe-migration", Level.WARNING, "public.users", "m", Location("a.sql", 4))
    ignore = Ignore("unsafe-migration", "tiny table", Location("a.sql", 3), "statement", "a")
    coverage = CoverageReport(
        Coverage(Share(1, 2), Share(3, 4)), {"public": Coverage(Share(1, 2), Share(3, 4))}
    )
    report = _report(tmp_path, finding, silenced=[Silenced(finding, ignore)], coverage=coverage)
    data = json.loads(render_findings(report, "json", base=tmp_path))
    assert data["version"] == 1
    assert data["summary"] == {"error": 0, "warning": 1, "info": 0}
    assert data["findings"] == [
        {
            "rule": "unsafe-migration",
            "level": "warning",
            "target": "public.users",
            "message": "m",
            "location": {"path": "a.sql", "line": 4},
        }
    ]
    assert data["silenced"][0]["reason"] == "tiny table"
    assert data["silenced"][0]["ignored_at"] == {"path": "a.sql", "line": 3}
    assert data["coverage"]["columns"] == {"documented": 3, "total": 4}
    assert data["coverage"]["per_schema"]["public"]["tables"] == {"documented": 1, "total": 2}


def test_sarif_validates_and_describes_every_rule(tmp_path: Path) -> None:
    findings = [
        Finding("expired-column", Level.ERROR, "public.users.x", "gone", Location("m.sql", 2)),
        Finding("unsafe-migration", Level.WARNING, "public.users", "lock", Location("m.sql")),
        Finding("migration-not-in-journal", Level.INFO, "x", "n", Location("x.sql", 1)),
        Finding("low-coverage", Level.WARNING, "public", "low"),
        Finding("some-future-rule", Level.WARNING, "t", "from a newer source"),
    ]
    log = json.loads(render_findings(_report(tmp_path, *findings), "sarif", base=tmp_path))
    _validate_sarif(log)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.name for r in RULES]
    assert all(r["shortDescription"]["text"] and r["help"]["markdown"] for r in rules)
    results = run_["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note", "warning", "warning"]
    first = results[0]
    assert first["ruleId"] == "expired-column"
    assert rules[first["ruleIndex"]]["id"] == "expired-column"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "m.sql", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2},
    }
    assert "region" not in results[1]["locations"][0]["physicalLocation"]
    # A finding about no file is shown on mkdocs.yml, where its setting lives.
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "mkdocs.yml"
    )
    assert "ruleIndex" not in results[4]


def test_sarif_schema_rejects_a_broken_log(tmp_path: Path) -> None:
    """The validation is real: a result without a message fails it."""
    f = Finding("expired-column", Level.ERROR, "t", "m", Location("m.sql", 2))
    log = json.loads(render_findings(_report(tmp_path, f), "sarif", base=tmp_path))
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        _validate_sarif(log)


# --- the command, as CI runs it ------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check") / "expired"
    shutil.copytree(FIXTURES / "projects" / "expired", root)
    return root


def _config(project: Path, name: str, extra: str) -> str:
    text = (project / "mkdocs.yml").read_text(encoding="utf-8") + extra
    (project / name).write_text(text, encoding="utf-8")
    return name


def test_exit_1_on_an_expired_column_with_github_annotations(project: Path) -> None:
    result = run(["schema-wiki", "check", "--format", "github"], project)
    assert result.returncode == 1, result.stderr
    path, line = EXPIRED_LINE.split(":")
    assert result.stdout.startswith(
        f"::error file={path},line={line},title=expired-column::public.users.legacy_id could be"
        " dropped after 2024-08-15"
    )
    assert result.stdout.count("\n") == 1
    assert "1 error(s), 0 warning(s)" in result.stderr


def test_exit_0_before_the_drop_date(project: Path) -> None:
    result = run(["schema-wiki", "check"], project, today="2024-08-01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "expiring-column" in result.stdout  # a warning, which does not fail the gate


def test_strict_fails_on_warnings(project: Path) -> None:
    result = run(["schema-wiki", "check", "--strict"], project, today="2024-08-01")
    assert result.returncode == 1
    assert "expiring-column" in result.stdout


def test_sarif_file_from_a_real_project_validates(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "schema-wiki.sarif"
    result = run(["schema-wiki", "check", "--format", "sarif", "-o", str(out)], project)
    assert result.returncode == 1
    assert result.stdout == ""
    log = json.loads(out.read_text(encoding="utf-8"))
    _validate_sarif(log)
    [res] = log["runs"][0]["results"]
    path, line = EXPIRED_LINE.split(":")
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == int(line)


def test_json_from_a_real_project(project: Path) -> None:
    result = run(["schema-wiki", "check", "--format", "json"], project)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert [(f["rule"], f["level"]) for f in data["findings"]] == [("expired-column", "error")]
    assert data["coverage"]["tables"] == {"documented": 1, "total": 1}


def test_a_level_from_checks_decides_the_exit_code(project: Path) -> None:
    name = _config(project, "demoted.yml", "      checks:\n        expired-column: warning\n")
    result = run(["schema-wiki", "check", "-f", name], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning expired-column" in result.stdout


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--format", "xml"], "", "invalid choice"),
        ([], "      checks:\n        expird-column: error\n", "did you mean 'expired-column'"),
        ([], "      chekcs:\n        expired-column: warning\n", "did you mean 'checks'?"),
        ([], "      migratons: migrations\n", "'migratons' (did you mean 'migrations'?)"),
        ([], "      checks:\n        expired-column: {levle: info}\n", "did you mean 'level'?"),
        ([], "      coverage_min: 140\n", "not between 0 and 100"),
        ([], "      required_header_fields: 3\n", "required_header_fields"),
    ],
)
def test_exit_2_on_usage_and_configuration_errors(
    project: Path, args: list[str], extra: str, message: str
) -> None:
    name = _config(project, "broken.yml", extra)
    result = run(["schema-wiki", "check", "-f", name, *args], project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert result.stdout == ""
