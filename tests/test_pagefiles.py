"""Generated pages as files, rewritten only when their text changes."""

from __future__ import annotations

import os
from pathlib import Path

from schema_wiki.cache.pagefiles import PageFiles


def _mtimes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()
    }


def test_only_changed_pages_are_rewritten_and_gone_ones_removed(tmp_path: Path) -> None:
    directory = tmp_path / "cache" / "pages"
    files = PageFiles(directory)
    paths = files.sync({"a.md": "A", "schema/public/t.md": "T", "schema/public/u.md": "U"})
    assert Path(paths["schema/public/t.md"]).read_text() == "T"
    assert sorted(files.changed) == ["a.md", "schema/public/t.md", "schema/public/u.md"]
    before = _mtimes(directory)
    for path in directory.rglob("*.md"):  # make a rewrite visible in the mtime
        os.utime(path, ns=(1, 1))
    before = _mtimes(directory)

    files.sync({"a.md": "A", "schema/public/t.md": "T2"})
    after = _mtimes(directory)
    assert files.changed == ["schema/public/t.md"]
    assert after["a.md"] == before["a.md"]
    assert after["schema/public/t.md"] != before["schema/public/t.md"]
    assert "schema/public/u.md" not in after
    assert (directory / "schema/public/t.md").read_text() == "T2"


def test_a_new_process_compares_with_the_files_on_disk(tmp_path: Path) -> None:
    PageFiles(tmp_path / "pages").sync({"a.md": "A", "b/c.md": "C"})
    os.utime(tmp_path / "pages" / "a.md", ns=(1, 1))
    again = PageFiles(tmp_path / "pages")
    again.sync({"a.md": "A", "b/c.md": "C", "d.md": "D"})
    assert again.changed == ["d.md"]
    assert (tmp_path / "pages" / "a.md").stat().st_mtime_ns == 1
    assert (tmp_path / ".gitignore").read_text().endswith("*\n")


def test_empty_directories_are_removed(tmp_path: Path) -> None:
    files = PageFiles(tmp_path / "pages")
    files.sync({"x/y/z.md": "Z", "a.md": "A"})
    files.sync({"a.md": "A"})
    assert not (tmp_path / "pages" / "x").exists()
    assert (tmp_path / "pages" / "a.md").exists()


def test_kept_pages_are_not_hashed_again_but_unknown_ones_are_written(tmp_path: Path) -> None:
    files = PageFiles(tmp_path / "pages")
    files.sync({"a.md": "A\n", "b.md": "B\n"})
    # "a.md" is kept: the caller vouches that its text is the one last written, so it
    # is neither hashed nor written (were it hashed, this different text would be).
    files.sync({"a.md": "not looked at\n", "b.md": "B2\n"}, kept={"a.md"})
    assert files.changed == ["b.md"]
    assert (tmp_path / "pages" / "a.md").read_text() == "A\n"
    # A kept page this object never wrote is written all the same.
    fresh = PageFiles(tmp_path / "other")
    fresh.sync({"c.md": "C\n"}, kept={"c.md"})
    assert (tmp_path / "other" / "c.md").read_text() == "C\n" and fresh.changed == ["c.md"]
