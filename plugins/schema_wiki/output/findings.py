"""Findings in the formats people and CI systems read: text, JSON, GitHub annotations, SARIF.

`render_findings` is what ``schema-wiki check --format`` prints. Paths are
shown relative to ``base`` (the current directory, normally the repository
root in CI, so annotations land on the right files) when the project lies
under it, and relative to the project root otherwise.

* ``text``: one line per finding, ``file:line: level rule: message``.
* ``json``: ``{"version": 1, "summary": {...}, "findings": [...],
  "silenced": [...], "coverage": {...}}``.
* ``github``: workflow commands (``::error file=...,line=...,title=rule::message``)
  that GitHub Actions turns into annotations on the files and lines.
* ``sarif``: SARIF 2.1.0, the format of GitHub code scanning and other
  static-analysis dashboards, with every rule in ``tool.driver.rules``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..checks import RULES
from ..checks.coverage import Coverage, CoverageReport
from ..model import Finding, Level, Location, Silenced, printable

FORMATS = ("text", "json", "github", "sarif")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}
_GITHUB_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}

#: Turns a project-relative path into the path shown.
_Show = Callable[[str], str]


@dataclass(frozen=True)
class FindingsReport:
    """What ``schema-wiki check`` reports, with paths relative to the project ``root``."""

    findings: Sequence[Finding]
    root: Path
    #: The mkdocs.yml path relative to ``root``: SARIF needs a file for findings without one.
    config_file: str = "mkdocs.yml"
    silenced: Sequence[Silenced] = ()
    coverage: CoverageReport | None = None


def render_findings(report: FindingsReport, fmt: str, base: Path | None = None) -> str:
    """The report in ``fmt`` (one of `FORMATS`), paths relative to ``base`` (default: cwd)."""
    paths = _Paths(report.root, base or Path.cwd())
    if fmt == "text":
        return "".join(_text_line(f, paths) + "\n" for f in report.findings)
    if fmt == "json":
        return json.dumps(_json(report, paths), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(github_annotation(f, paths.show) + "\n" for f in report.findings)
    if fmt == "sarif":
        return json.dumps(sarif(report, paths.show), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


class _Paths:
    """Project-relative paths re-expressed relative to the directory the command runs in."""

    def __init__(self, root: Path, base: Path) -> None:
        root, base = root.resolve(), base.resolve()
        self.prefix: str | None
        if root == base:
            self.prefix = ""
        elif root.is_relative_to(base):
            self.prefix = root.relative_to(base).as_posix() + "/"
        else:
            self.prefix = None

    def show(self, path: str) -> str:
        if self.prefix is None or os.path.isabs(path):
            return path
        return self.prefix + path


def _where(location: Location | None, show: _Show) -> str | None:
    if location is None:
        return None
    path = show(location.path)
    return f"{path}:{location.line}" if location.line else path


def _text_line(f: Finding, paths: _Paths) -> str:
    where = _where(f.location, paths.show) or f.target
    return printable(f"{where}: {f.level.value} {f.rule}: {f.message}")


# --- JSON -----------------------------------------------------------------------------


def _location_json(location: Location | None, show: _Show) -> dict[str, object] | None:
    if location is None:
        return None
    return {"path": show(location.path), "line": location.line}


def _finding_json(f: Finding, show: _Show) -> dict[str, object]:
    return {
        "rule": f.rule,
        "level": f.level.value,
        "target": f.target,
        "message": f.message,
        "location": _location_json(f.location, show),
    }


def _coverage_json(c: Coverage) -> dict[str, object]:
    return {
        "tables": {"documented": c.tables.documented, "total": c.tables.total},
        "columns": {"documented": c.columns.documented, "total": c.columns.total},
    }


def _json(report: FindingsReport, paths: _Paths) -> dict[str, object]:
    show = paths.show
    out: dict[str, object] = {
        "version": 1,
        "summary": summary(report.findings),
        "findings": [_finding_json(f, show) for f in report.findings],
        "silenced": [
            {
                **_finding_json(s.finding, show),
                "ignored_at": _location_json(s.ignore.location, show),
                "reason": s.ignore.reason,
            }
            for s in report.silenced
        ],
    }
    if report.coverage is not None:
        out["coverage"] = {
            **_coverage_json(report.coverage.overall),
            "per_schema": {
                name: _coverage_json(c) for name, c in report.coverage.per_schema.items()
            },
        }
    return out


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each level (``error``, ``warning``, ``info``)."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        if f.level.value in counts:
            counts[f.level.value] += 1
    return counts


# --- GitHub Actions ----------------------------------------------------------------------


def escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(f: Finding, show: _Show = str) -> str:
    """One workflow command: ``::error file=F,line=L,title=rule::message``."""
    command = _GITHUB_COMMAND.get(f.level, "notice")
    props: list[str] = []
    if f.location is not None:
        props.append(f"file={escape_property(show(f.location.path))}")
        if f.location.line:
            props.append(f"line={f.location.line}")
    props.append(f"title={escape_property(f.rule)}")
    return f"::{command} {','.join(props)}::{escape_data(f.message)}"


# --- SARIF --------------------------------------------------------------------------------


def sarif(report: FindingsReport, show: _Show = str) -> dict[str, object]:
    """A SARIF 2.1.0 log of one run, with every rule described."""
    index = {r.name: i for i, r in enumerate(RULES)}
    rules: list[dict[str, object]] = [
        {
            "id": r.name,
            "name": "".join(part.capitalize() for part in r.name.split("-")),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.details or r.summary},
            "help": {"text": r.details or r.summary, "markdown": r.details or r.summary},
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(r.level, "none")},
        }
        for r in RULES
    ]
    results: list[dict[str, object]] = []
    for f in report.findings:
        result: dict[str, object] = {
            "ruleId": f.rule,
            "level": _SARIF_LEVEL.get(f.level, "none"),
            "message": {"text": f.message},
            "locations": [_sarif_location(f.location, report.config_file, show)],
            "properties": {"target": f.target},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schema-wiki",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _sarif_location(location: Location | None, config_file: str, show: _Show) -> dict[str, object]:
    # Code scanning wants a file for every result: a finding about the schema as a
    # whole (low coverage) is shown on mkdocs.yml, where the setting lives.
    path = show(location.path if location else config_file)
    physical: dict[str, object] = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}
    if location is not None and location.line:
        physical["region"] = {"startLine": location.line}
    return {"physicalLocation": physical}
