"""The little of git a review needs, through the ``git`` command.

The base is read with ``git archive`` into a temporary directory: the
user's working tree, index and branches are never touched.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import SchemaWikiError

__all__ = ["GitError", "Repository"]


class GitError(SchemaWikiError):
    """git is missing, the directory is not a checkout, or a ref does not exist."""


class Repository:
    """A git checkout, addressed by its top-level directory."""

    def __init__(self, top: Path) -> None:
        self.top = top

    @classmethod
    def containing(cls, directory: Path) -> Repository:
        """The checkout ``directory`` is in; `GitError` when it is in none."""
        out = _git(directory, "rev-parse", "--show-toplevel", what="find the git checkout")
        return cls(Path(out.strip()).resolve())

    def run(self, *args: str, what: str, data: bool = False) -> str:
        return _git(self.top, *args, what=what)

    def commit(self, ref: str) -> str:
        """The commit ``ref`` names; `GitError` naming the ref when there is none."""
        try:
            return self.run(
                "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"resolve {ref}"
            ).strip()
        except GitError:
            raise GitError(
                f"--base {ref}: no such commit or branch here; in CI fetch the whole history"
                " (actions/checkout with fetch-depth: 0) or the base branch"
            ) from None

    def head(self) -> str | None:
        """The commit checked out, or None in a repository without commits."""
        try:
            return self.run(
                "rev-parse", "--verify", "--quiet", "HEAD^{commit}", what="read HEAD"
            ).strip()
        except GitError:
            return None

    def merge_base(self, a: str, b: str) -> str | None:
        """Where ``b``'s branch left ``a``'s, or None when they share no history."""
        try:
            return self.run("merge-base", a, b, what="find the merge base").strip() or None
        except GitError:
            return None

    def tree(self, commit: str, path: str) -> str | None:
        """The id of the tree (or blob) at ``path`` in ``commit``; None when absent."""
        spec = f"{commit}:{path}" if path not in ("", ".") else f"{commit}^{{tree}}"
        try:
            return self.run("rev-parse", "--verify", "--quiet", spec, what="read a tree").strip()
        except GitError:
            return None

    def extract(self, commit: str, paths: Sequence[str], dest: Path) -> None:
        """Write ``paths`` (directories or files, relative to the top) as they are in
        ``commit`` under ``dest``. Paths absent from the commit are left out."""
        present = [p for p in paths if self.tree(commit, p) is not None]
        if not present:
            return
        proc = subprocess.run(
            ["git", "archive", "--format=tar", commit, "--", *present],
            cwd=self.top,
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(
                f"git archive {commit[:12]} failed: {proc.stderr.decode(errors='replace').strip()}"
            )
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
            archive.extractall(dest, filter="data")

    def dirty(self, paths: Sequence[str]) -> bool:
        """Whether the working tree differs from HEAD under ``paths`` (untracked files too)."""
        out = self.run(
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            *paths,
            what="read the working tree's status",
        )
        return bool(out.strip())

    def relative(self, path: Path) -> str:
        """``path`` relative to the top, POSIX; `GitError` when it is outside the checkout."""
        try:
            rel = path.resolve().relative_to(self.top)
        except ValueError:
            raise GitError(f"{path} is outside the git checkout {self.top}") from None
        return rel.as_posix() if rel.parts else "."


def _git(cwd: Path, *args: str, what: str) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise GitError("git is not installed; schema-wiki review runs in a git checkout") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish in 120 s") from None
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip().splitlines()
        first = message[0] if message else f"exit {proc.returncode}"
        if "not a git repository" in first:
            raise GitError(
                f"{cwd} is not in a git checkout; schema-wiki review compares git commits"
            )
        raise GitError(f"cannot {what}: {first}")
    return proc.stdout
