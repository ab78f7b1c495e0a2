"""``schema-wiki generate``: the wiki's pages as files, for engines that run no plugin.

Zensical and MkDocs 2.0 read ``mkdocs.yml`` but run no MkDocs plugin. This
command does what the plugin does at build time, once, into the docs
directory: it loads and checks the project exactly as ``schema-wiki check``
does (same findings, formats and exit codes), renders the same pages with
the same options, and writes them with the stylesheet, the diagram script
and the pinned Mermaid at the paths the plugin serves them from
(`schema_wiki.output.generated` keeps a manifest, so it replaces and removes
only its own files and never a hand-written one). Then ``schema-wiki
generate && zensical build`` builds the same wiki, and is a gate too.

It also says what ``mkdocs.yml`` must hold that the plugin would have added
(Markdown extensions, ``extra_css``, ``extra_javascript``) and which index
pages ``nav:`` lacks. Exit codes: 0 no error-level finding; 1 at least one
(or, with ``--strict``, a warning, or a generated file someone edited);
2 a usage or configuration problem, a ``mkdocs.yml`` that lacks what the
pages need included (the pages are written all the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SchemaWikiError
from ..output.findings import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``schema-wiki generate``."""
    parser.description = (
        "Write the wiki's pages, stylesheet and scripts into the docs directory, for an"
        " engine that runs no MkDocs plugin (Zensical, MkDocs 2.0), and run the checks."
        " Exit codes: 0 no error-level finding, 1 at least one (or, with --strict, a"
        " warning), 2 a usage or configuration error (pages are still written when"
        " only mkdocs.yml lacks settings)."
    )
    parser.add_argument("-f", "--config-file", default="mkdocs.yml", help="path to mkdocs.yml")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="the findings report: text, json, github or sarif (as schema-wiki check)",
    )
    parser.add_argument("-o", "--output", help="write the findings report to this file")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on warnings too, and on generated files edited since they were written",
    )
    parser.add_argument(
        "--nav-file",
        help="write the navigation entries of the wiki's index pages to this file"
        " (YAML list items; a Markdown list for a .md file, as literate-nav reads)",
    )
    parser.add_argument(
        "--check-config",
        action="store_true",
        help="only check that mkdocs.yml has what the generated pages need; exit 2 if not",
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove every file generate wrote (unless edited since) and its manifest",
    )


def _say(message: str) -> None:
    print(f"schema-wiki generate: {message}", file=sys.stderr)


def _config_check(mk: Any, erd_depth: int, config_file: str) -> bool:
    """Report what mkdocs.yml lacks; True when nothing required is missing."""
    from ..engines.standalone import config_problems

    check = config_problems(
        list(mk.markdown_extensions),
        dict(mk.mdx_configs),
        list(mk.extra_css),
        list(mk.extra_javascript),
        erd_depth=erd_depth,
    )
    for item in check.missing:
        _say(f"{config_file} lacks {item}")
    for item in check.advised:
        _say(f"advised: {item}")
    if check.snippet:
        what = "needs" if check.missing else "could use"
        _say(
            f"an engine without the plugin {what} these settings in {config_file}"
            " (merge them into the keys you have):\n\n" + check.snippet
        )
    return not check.missing


def run(args: argparse.Namespace) -> int:
    """``schema-wiki generate`` (module docstring)."""
    from ..engines.mkdocs_plugin import load_mkdocs_config, wiki_config
    from ..output.generated import (
        MANIFEST_NAME,
        remove_generated,
        write_generated,
    )
    from ..pipeline import render_options

    try:
        mk, plugin = load_mkdocs_config(args.config_file)
        core = wiki_config(plugin.config, args.config_file)
    except SchemaWikiError as exc:
        print(f"schema-wiki: {exc}", file=sys.stderr)
        return EXIT_USAGE
    docs_dir = Path(mk.docs_dir)
    config_name = Path(args.config_file).name

    if args.clean:
        try:
            outcome = remove_generated(docs_dir)
        except (SchemaWikiError, OSError) as exc:
            print(f"schema-wiki: {exc}", file=sys.stderr)
            return EXIT_USAGE
        _say(f"removed {len(outcome.removed)} files from {_shown(docs_dir)}/")
        for path in outcome.changed:
            _say(f"{_shown(docs_dir / path)} was edited since generate wrote it: left alone")
        return EXIT_OK

    config_ok = _config_check(mk, core.erd_depth, config_name)
    if args.check_config:
        return EXIT_OK if config_ok else EXIT_USAGE

    from ..engines.standalone import asset_files, nav_entries, nav_text
    from ..pipeline import Session, build

    try:
        result = build(core, render_options(core, list(mk.markdown_extensions)), Session())
        files = {uri: result.text(uri).encode("utf-8") for uri in result.pages}
        files.update(asset_files(core.erd_depth))
        sources = [core.migrations_dir, core.adrs_dir]
        if core.templates_dir is not None:
            sources.append(core.templates_dir)
        outcome = write_generated(
            docs_dir, files, sources=sources, generator=f"schema-wiki {__version__}"
        )
    except SchemaWikiError as exc:
        print(f"schema-wiki: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"schema-wiki: cannot write into {_shown(docs_dir)}/: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("schema-wiki: interrupted; no file was half-written", file=sys.stderr)
        return 130

    edited = _report(outcome, docs_dir, MANIFEST_NAME)
    missing_nav = nav_entries(mk.nav, result.pages)
    if args.nav_file:
        target = Path(args.nav_file)
        from ..atomic import write_atomically

        write_atomically(target, nav_text(nav_entries(None, result.pages), target))
        _say(f"wrote the navigation entries to {args.nav_file}")
    elif mk.nav is None:
        _say(
            f"{config_name} has no nav: the engine would list every generated page in its"
            " navigation (thousands with a large schema). Add a nav with at least:\n\n"
            + nav_text(missing_nav)
        )
    elif missing_nav:
        _say(f"add to the nav: of {config_name}:\n\n" + nav_text(missing_nav))

    from .cli import _check

    code = _check(args, _wiki_of(result, core))
    if not config_ok:
        return EXIT_USAGE
    if code == EXIT_OK and args.strict and edited:
        return EXIT_FINDINGS
    return code


def _wiki_of(result: Any, core: Any) -> Any:
    """The checked wiki for the report. A build the memo answered carries only findings;
    the report also shows coverage, so the wiki is loaded then (cached: fast)."""
    if result.wiki is not None:
        return result.wiki
    from ..pipeline import load

    return load(core)


def _report(outcome: Any, docs_dir: Path, manifest: str) -> int:
    """Say what was written; return how many generated files were edited since."""
    _say(
        f"{len(outcome.written)} files written, {len(outcome.unchanged)} unchanged,"
        f" {len(outcome.removed)} removed in {_shown(docs_dir)}/ (listed in {manifest})"
    )
    for path in outcome.hand_written:
        _say(
            f"{_shown(docs_dir / path)} exists and generate did not write it: left alone,"
            " the engine publishes it instead of the generated page"
        )
    for path in outcome.changed:
        _say(
            f"warning: {_shown(docs_dir / path)} was edited since generate wrote it: left"
            " alone. Delete it to get the generated page back (and keep formatters off"
            " generated pages)"
        )
    return len(outcome.changed)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
