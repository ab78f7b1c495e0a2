"""The wiki's pages as files in the docs directory, for engines that run no plugin.

``schema-wiki generate`` hands every generated file (pages, stylesheet,
scripts) to `write_generated`, which writes them under ``docs/`` and records
what it wrote in a manifest beside them (`MANIFEST_NAME`): each path with the
SHA-256 of the bytes written. The manifest is what makes a second run safe:

* a file the manifest names, still with the bytes generate wrote, is replaced
  (or removed, when the wiki no longer has that page);
* a file the manifest does not name is hand-written: it is never touched
  (the engine then publishes it instead, as the plugin does with a
  hand-written page at a generated page's path);
* a file the manifest names whose bytes changed since (someone edited it, or
  a formatter rewrote it) is left alone too, and reported on every run until
  it is deleted or restored;
* a file with exactly the bytes generate would write is taken as its own
  (the manifest was lost, the pages were not).

Nothing is ever half-written: each file is written to a temporary name in
its directory and renamed into place, and before the first file changes the
manifest lists both the old and the new digest of every file the run
replaces or removes (``pending``). A run interrupted at any point leaves
every file either as it was or as it will be, and the next run recognises
both as its own.

The manifest is plain, sorted JSON without timestamps, so a team that commits
the generated pages gets a diff only when a page changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomically
from ..errors import ConfigError

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "Outcome",
    "digest",
    "read_manifest",
    "remove_generated",
    "sources_digest",
    "write_generated",
]

#: The manifest, in the docs directory. A dot file: MkDocs, ProperDocs, mkdocs-ng
#: and Zensical leave dot files out of the site.
MANIFEST_NAME = ".schema-wiki-manifest.json"
MANIFEST_FORMAT = 1
_TMP_SUFFIX = ".schema-wiki.tmp"
_NOTE = (
    "Written by `schema-wiki generate`: the files it wrote into this directory and"
    " their SHA-256. It replaces or removes only these, and only while unchanged."
    " Commit it with the generated pages, or ignore both (docs/engines.md)."
)


def digest(data: bytes) -> str:
    """The digest the manifest records for a file's bytes."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What the last run of generate wrote (``files``) and was changing (``pending``)."""

    files: dict[str, str] = field(default_factory=dict)
    #: Files a run was replacing or removing, with their digest before it: set
    #: while a run changes files, empty once it finished.
    pending: dict[str, str] = field(default_factory=dict)
    #: The source directories (relative to the docs directory) whose contents
    #: ``sources_digest`` covers, and that digest when the pages were written.
    sources: tuple[str, ...] = ()
    sources_digest: str = ""
    generator: str = ""

    def owns(self, path: str, found: str) -> bool:
        """Whether a file at ``path`` with digest ``found`` is one generate wrote."""
        return found in (self.files.get(path), self.pending.get(path))

    def to_json(self) -> str:
        data: dict[str, object] = {
            "format": MANIFEST_FORMAT,
            "note": _NOTE,
            "generator": self.generator,
            "sources": {"directories": list(self.sources), "digest": self.sources_digest},
            "files": dict(sorted(self.files.items())),
        }
        if self.pending:
            data["pending"] = dict(sorted(self.pending.items()))
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def read_manifest(docs_dir: Path) -> Manifest | None:
    """The manifest in ``docs_dir``; None when there is none. Raises `ConfigError` when
    it cannot be read, naming the file and what to do."""
    path = docs_dir / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read schema-wiki generate's manifest: {exc}") from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"not a format {MANIFEST_FORMAT} manifest")
        files = _str_map(data.get("files", {}))
        pending = _str_map(data.get("pending", {}))
        sources = data.get("sources", {})
        if not isinstance(sources, dict):
            raise ValueError("sources is not an object")
        directories = sources.get("directories", [])
        if not isinstance(directories, list) or not all(isinstance(d, str) for d in directories):
            raise ValueError("sources.directories is not a list of paths")
        return Manifest(
            files=files,
            pending=pending,
            sources=tuple(directories),
            sources_digest=str(sources.get("digest", "")),
            generator=str(data.get("generator", "")),
        )
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ConfigError(
            f"{path}: not a manifest schema-wiki generate can read ({exc}). If you did not"
            " edit it, restore it from version control; deleting it makes generate treat"
            " every page it wrote before as hand-written, except pages it would write"
            " byte for byte again."
        ) from None


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("files are not an object of path: digest")
    return dict(value)


def sources_digest(directories: Iterable[Path]) -> str:
    """A digest of every file under ``directories`` (their paths and contents).

    The guard (`schema_wiki.engines.guard`) compares it with the manifest's to
    notice generated pages older than the migrations or ADRs they describe.
    """
    h = hashlib.sha256()
    for directory in directories:
        h.update(b"\1")
        if not directory.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, directory).encode("utf-8", "surrogateescape"))
                h.update(b"\0")
                with contextlib.suppress(OSError), open(path, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


@dataclass
class Outcome:
    """What one run of `write_generated` did, by path under the docs directory."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Files generate would write that exist and are not its own: left alone.
    hand_written: list[str] = field(default_factory=list)
    #: Files generate wrote whose bytes changed since: left alone (not replaced, not removed).
    changed: list[str] = field(default_factory=list)


def _read_digest(path: Path) -> str | None:
    """The digest of a regular file, None when there is none (a directory or a symlink
    counts as a file someone else put there: the caller leaves it alone)."""
    try:
        if path.is_symlink() or not path.is_file():
            return "" if path.exists() or path.is_symlink() else None
        return digest(path.read_bytes())
    except OSError:
        return ""


def write_generated(
    docs_dir: Path,
    files: Mapping[str, bytes],
    *,
    sources: Iterable[Path] = (),
    generator: str = "",
) -> Outcome:
    """Write ``files`` ({path under docs_dir: bytes}) and the manifest, safely (module doc).

    Raises `OSError` when the docs directory cannot be written.
    """
    docs_dir = docs_dir.resolve()
    old = read_manifest(docs_dir) or Manifest()
    outcome = Outcome()
    source_dirs = [Path(s).resolve() for s in sources]
    _remove_temporaries(docs_dir, [*files, *old.files, *old.pending])

    ours: dict[str, str] = {}
    pending: dict[str, str] = {}
    to_write: dict[str, bytes] = {}
    for path, data in sorted(files.items()):
        new = digest(data)
        found = _read_digest(docs_dir / path)
        if found is None:
            to_write[path] = data
        elif found == new:
            outcome.unchanged.append(path)
        elif found and old.owns(path, found):
            to_write[path] = data
            pending[path] = found
        elif path in old.files:
            outcome.changed.append(path)
            ours[path] = old.files[path]  # still ours once: keep reporting it
            continue
        else:
            outcome.hand_written.append(path)
            continue
        ours[path] = new

    to_remove: list[str] = []
    for path in sorted({*old.files, *old.pending} - set(files)):
        found = _read_digest(docs_dir / path)
        if found is None:
            continue
        if found and old.owns(path, found):
            to_remove.append(path)
            pending[path] = found
        elif path in old.files:
            # No longer generated and edited since: the team's now. Reported once.
            outcome.changed.append(path)

    manifest = Manifest(
        files=ours,
        sources=tuple(_relative(d, docs_dir) for d in source_dirs),
        sources_digest=sources_digest(source_dirs),
        generator=generator,
    )
    if to_write or to_remove:
        # Before any file changes: both digests of every file this run touches.
        interim = Manifest(
            files={**old.files, **ours},
            pending={**old.pending, **pending},
            sources=manifest.sources,
            sources_digest=old.sources_digest,
            generator=generator,
        )
        write_atomically(docs_dir / MANIFEST_NAME, interim.to_json(), suffix=_TMP_SUFFIX)
    for path, data in to_write.items():
        write_atomically(docs_dir / path, data, suffix=_TMP_SUFFIX)
        outcome.written.append(path)
    for path in to_remove:
        with contextlib.suppress(FileNotFoundError):
            (docs_dir / path).unlink()
        outcome.removed.append(path)
        _remove_empty_parents(docs_dir, docs_dir / path)
    text = manifest.to_json().encode("utf-8")
    manifest_path = docs_dir / MANIFEST_NAME
    if _read_digest(manifest_path) != digest(text):
        write_atomically(manifest_path, text, suffix=_TMP_SUFFIX)
    return outcome


def remove_generated(docs_dir: Path) -> Outcome:
    """Remove every file generate wrote that is unchanged, then the manifest.

    Files edited since generate wrote them stay (``changed``), and so does the
    manifest while any does, so the next run still knows them.
    """
    docs_dir = docs_dir.resolve()
    old = read_manifest(docs_dir)
    outcome = Outcome()
    if old is None:
        return outcome
    for path in sorted({*old.files, *old.pending}):
        found = _read_digest(docs_dir / path)
        if found is None:
            continue
        if found and old.owns(path, found):
            (docs_dir / path).unlink()
            outcome.removed.append(path)
            _remove_empty_parents(docs_dir, docs_dir / path)
        else:
            outcome.changed.append(path)
    if outcome.changed:
        kept = Manifest(
            files={p: old.files.get(p) or old.pending[p] for p in outcome.changed},
            sources=old.sources,
            sources_digest=old.sources_digest,
            generator=old.generator,
        )
        write_atomically(docs_dir / MANIFEST_NAME, kept.to_json(), suffix=_TMP_SUFFIX)
    else:
        (docs_dir / MANIFEST_NAME).unlink()
    return outcome


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _remove_empty_parents(docs_dir: Path, path: Path) -> None:
    parent = path.parent
    while parent != docs_dir and docs_dir in parent.parents:
        try:
            parent.rmdir()  # only succeeds once empty
        except OSError:
            return
        parent = parent.parent


def _remove_temporaries(docs_dir: Path, paths: Iterable[str]) -> None:
    """Temporary files an interrupted run left in the directories it writes."""
    directories = {(docs_dir / p).parent for p in paths} | {docs_dir}
    for directory in directories:
        with contextlib.suppress(OSError):
            for entry in directory.iterdir():
                if entry.name.startswith(".") and entry.name.endswith(_TMP_SUFFIX):
                    with contextlib.suppress(OSError):
                        entry.unlink()
