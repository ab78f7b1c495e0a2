"""A Markdown extension that fails the build when the wiki's pages are missing or stale.

Zensical, and any engine without MkDocs' plugin system, reads ``mkdocs.yml``
but skips every plugin it does not ship, without a word: a team that
switches engines would publish its hand-written pages and none of the wiki,
and its CI gate would pass. Those engines still run the Python-Markdown
extensions ``mkdocs.yml`` lists. Listing this one::

    markdown_extensions:
      - schema_wiki.engines.guard

turns that silence into a failed build. On the first page converted it asks:

* did the schema-wiki plugin run in this process (MkDocs 1.6, ProperDocs,
  mkdocs-ng)? Then there is nothing to check;
* else, did ``schema-wiki generate`` write the pages into the docs
  directory (its manifest, `schema_wiki.output.generated`), are they all
  still there, and were the migrations and ADRs the same when it did?

Any "no" raises `GuardError`, saying which command to run; the engine stops
with it. The answer is kept for the life of the process (one build, or one
``serve``).

Options: ``docs_dir``, the docs directory when the engine cannot be asked
(relative to the working directory; default: the engine's own setting under
Zensical, else ``docs``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from ..errors import SchemaWikiError
from ..output.generated import MANIFEST_NAME, read_manifest, sources_digest

__all__ = ["GuardError", "SchemaWikiGuard", "makeExtension", "plugin_ran"]

#: Set by the schema-wiki plugin when an engine runs it (see `plugin_ran`).
_plugin_ran = False
#: The verdict by docs directory and manifest state: (docs_dir, mtime) -> problem or "".
_verdicts: dict[tuple[str, int], str] = {}
_told: set[tuple[str, int]] = set()


class GuardError(RuntimeError):
    """The wiki's pages are not there, or not current: the build must not pass."""


def plugin_ran(value: bool = True) -> None:
    """Called by the schema-wiki plugin (``on_config``): the engine runs plugins."""
    global _plugin_ran
    _plugin_ran = value


def _engine_docs_dir() -> Path | None:
    """The docs directory of a Zensical build in this process, if there is one."""
    module = sys.modules.get("zensical.config")
    get_config = getattr(module, "get_config", None)
    if get_config is None:
        return None
    try:
        config: Any = get_config()
        return (Path(str(config["root_dir"])) / str(config["docs_dir"])).resolve()
    except Exception:  # another version's shape: fall back to the option
        return None


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it, else as it is."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def problem(docs_dir: Path) -> str:
    """Why the generated pages in ``docs_dir`` cannot be published; "" when they can."""
    shown = _shown(docs_dir)
    try:
        manifest = read_manifest(docs_dir)
    except SchemaWikiError as exc:
        return str(exc)
    if manifest is None:
        return (
            f"{shown}/ holds no pages of schema-wiki generate ({MANIFEST_NAME} is missing),"
            " and this engine did not run the schema-wiki plugin: the site would have no"
            " schema wiki. Run `schema-wiki generate` before building (see Engines in"
            " the schema-wiki docs)."
        )
    missing = sorted(path for path in manifest.files if not (docs_dir / path).exists())
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        return (
            f"{shown}/{missing[0]}{more}: written by schema-wiki generate, now missing."
            " Run `schema-wiki generate` before building."
        )
    if manifest.sources:
        dirs = [(docs_dir / d).resolve() for d in manifest.sources]
        if sources_digest(dirs) != manifest.sources_digest:
            names = ", ".join(_shown(d) + "/" for d in dirs)
            return (
                f"the migrations or ADRs changed since schema-wiki generate wrote the pages"
                f" in {shown}/ ({names}): run `schema-wiki generate` before building."
            )
    return ""


def _check(option: str) -> None:
    if _plugin_ran:
        return
    docs_dir = _engine_docs_dir() or Path(option or "docs").resolve()
    try:
        mtime = (docs_dir / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        mtime = 0
    key = (str(docs_dir), mtime)
    if key not in _verdicts:
        _verdicts[key] = problem(docs_dir)
    if _verdicts[key]:
        message = f"schema-wiki: {_verdicts[key]}"
        if key not in _told:
            # Once, before the engine's own report of the exception (a traceback, often).
            _told.add(key)
            print(message, file=sys.stderr, flush=True)
        raise GuardError(message)


class _GuardPreprocessor(Preprocessor):  # type: ignore[misc]  # markdown has no types
    def __init__(self, md: Markdown, docs_dir: str) -> None:
        super().__init__(md)
        self.docs_dir = docs_dir

    def run(self, lines: list[str]) -> list[str]:
        # At conversion, not when the extension is loaded: MkDocs loads every
        # extension while validating mkdocs.yml, before the plugin says it runs.
        _check(self.docs_dir)
        return lines


class SchemaWikiGuard(Extension):  # type: ignore[misc]
    """Fails the build when the schema wiki's pages are missing (module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "docs_dir": ["", "The docs directory, when the engine cannot be asked"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(
            _GuardPreprocessor(md, str(self.getConfig("docs_dir"))), "schema_wiki_guard", 100
        )


def makeExtension(**kwargs: Any) -> SchemaWikiGuard:
    return SchemaWikiGuard(**kwargs)
