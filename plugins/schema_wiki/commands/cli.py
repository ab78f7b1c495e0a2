"""The ``schema-wiki`` command: check and export without building the site.

Exit codes: 0 no error-level finding, 1 at least one, 2 a usage or
configuration problem (a bad mkdocs.yml, an unreachable database).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..atomic import write_atomically
from ..errors import SchemaWikiError
from ..model import Level, Wiki
from ..output.findings import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schema-wiki",
        description="Check and export the schema wiki of a project without building the site.",
    )
    parser.add_argument("--version", action="version", version=f"schema-wiki {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser(
        "check",
        help="run the checks and report the findings",
        description="Run the checks without building the site. Exit codes: 0 no error-level"
        " finding, 1 at least one (or, with --strict, a warning), 2 a usage or configuration"
        " error.",
    )
    check.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")
    check.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (file:line: level rule: message), json, github (workflow annotations)"
        " or sarif (SARIF 2.1.0); default: text",
    )
    check.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    check.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too, like mkdocs build --strict"
    )

    from .authoring import add_arguments as add_new_arguments

    add_new_arguments(sub.add_parser("new", help="write a new ADR or migration from a template"))

    from .generate import add_arguments as add_generate_arguments

    add_generate_arguments(
        sub.add_parser(
            "generate", help="write the wiki's pages into docs/ for engines without plugins"
        )
    )

    from .review import add_arguments as add_review_arguments

    add_review_arguments(
        sub.add_parser(
            "review",
            help="report what a branch changes: schema diff, checklist, impact, announcement",
            description="Replay the base's and this branch's migrations on a throwaway"
            " PostgreSQL and report only what the branch changes. Run it in a git checkout."
            " Exit codes: 0 the branch introduces no error-level finding, 1 it does (or a"
            " migration fails), 2 a usage or configuration error.",
        )
    )

    export = sub.add_parser("export", help="write the model as JSON")
    export.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")
    export.add_argument("-o", "--output", help="output file (default: standard output)")
    return parser


def _load(config_file: str) -> Wiki:
    """Read mkdocs.yml and load the wiki it describes."""
    from ..engines.mkdocs_plugin import read_config
    from ..pipeline import load

    return load(read_config(config_file))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if args.command == "new":
        from .authoring import run as run_new

        return run_new(args)
    if args.command == "generate":
        from .generate import run as run_generate

        return run_generate(args)
    if args.command == "review":
        from .review import run as run_review

        return run_review(args)
    try:
        wiki = _load(args.config_file)
    except SchemaWikiError as exc:
        print(f"schema-wiki: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("schema-wiki: interrupted", file=sys.stderr)
        return 130

    if args.command == "export":
        from ..output.export import export_json

        text = export_json(wiki)
        if args.output:
            write_atomically(Path(args.output), text)
        else:
            sys.stdout.write(text)
        if wiki.catalog is not None and wiki.catalog.failure is not None:
            # The export holds the schema as it stood before the failing migration
            # (and says so in replay_failure); the exit code and stderr say so too.
            for finding in wiki.findings:
                if finding.rule == "migration-failed":
                    print(finding.format(), file=sys.stderr)
            return EXIT_FINDINGS
        return EXIT_OK

    return _check(args, wiki)


def _check(args: argparse.Namespace, wiki: Wiki) -> int:
    """Report the findings in the chosen format; the exit code says whether the gate passes."""
    from ..checks.coverage import measure
    from ..output.findings import FindingsReport, render_findings

    config_file = Path(args.config_file).resolve()
    report = FindingsReport(
        findings=wiki.findings,
        root=config_file.parent,
        config_file=config_file.name,
        silenced=wiki.silenced,
        coverage=measure(wiki),
    )
    text = render_findings(report, args.format)
    if args.output:
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    errors = sum(1 for f in wiki.findings if f.level == Level.ERROR)
    warnings = sum(1 for f in wiki.findings if f.level == Level.WARNING)
    silenced = f", {len(wiki.silenced)} silenced in place" if wiki.silenced else ""
    print(f"{errors} error(s), {warnings} warning(s){silenced}", file=sys.stderr)
    failed = errors > 0 or (args.strict and warnings > 0)
    return EXIT_FINDINGS if failed else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
