"""``schema-wiki review``: what this branch changes, for a pull request.

Engine-free apart from reading mkdocs.yml: the work is `schema_wiki.review`
(the core) and `schema_wiki.output.review` (the formats).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import SchemaWikiError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``schema-wiki review``."""
    parser.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="the branch or commit the branch is compared with (e.g. origin/main)",
    )
    parser.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="markdown (a pull-request comment) or json; default: markdown",
    )
    parser.add_argument("-o", "--output", help="write the review to this file instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Run the review; 0 passes, 1 the branch introduces an error, 2 a usage problem."""
    from ..atomic import write_atomically
    from ..engines.mkdocs_plugin import read_config
    from ..output.review import render_review
    from ..review.core import review
    from .cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

    try:
        config = read_config(args.config_file)
        result = review(config, args.base)
    except SchemaWikiError as exc:
        print(f"schema-wiki: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("schema-wiki: interrupted", file=sys.stderr)
        return 130
    text = render_review(result, args.format)
    if args.output:
        from pathlib import Path

        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    errors = sum(1 for f in result.introduced if f.level.value == "error")
    print(
        f"schema-wiki review: {len(result.migrations)} migration(s), {len(result.changes)}"
        f" schema change(s), {errors} error(s) introduced, {len(result.resolved)} finding(s)"
        f" resolved ({result.seconds:.1f} s)",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if result.failed else EXIT_OK
