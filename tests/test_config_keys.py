"""A typo in a key under ``schema-wiki:`` is a configuration error, never a silent default.

MkDocs itself only warns about an unknown plugin key and drops it: ``chekcs:``
would lose the team's rule settings (an expired column demoted to a warning
would fail the gate again, or worse, the other way round) and ``migratons:``
would read the default directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run
from schema_wiki.engines.mkdocs_plugin import SETTINGS, SchemaWikiConfig, wiki_config
from schema_wiki.errors import ConfigError


def _project(tmp_path: Path, extra: str) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "projects" / "expired", root)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return root


def _config(**options: object) -> SchemaWikiConfig:
    cfg = SchemaWikiConfig()
    cfg.load_dict(dict(options))
    failed, _warnings = cfg.validate()
    assert not failed
    return cfg


def test_every_declared_setting_is_accepted(tmp_path: Path) -> None:
    cfg = _config(migrations="db", adrs="docs/adr", warn_days=10)
    core = wiki_config(cfg, tmp_path / "mkdocs.yml")
    assert core.migrations_dir == (tmp_path / "db").resolve()
    assert {"migrations", "adrs", "checks", "database"} <= set(SETTINGS)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("migratons", "migrations"), ("chekcs", "checks"), ("warndays", "warn_days")],
)
def test_an_unknown_key_is_an_error_with_a_suggestion(
    tmp_path: Path, key: str, suggestion: str
) -> None:
    cfg = _config(**{key: "x"})
    with pytest.raises(ConfigError, match=rf"'{key}' \(did you mean '{suggestion}'\?\)"):
        wiki_config(cfg, tmp_path / "mkdocs.yml")


def test_a_key_like_nothing_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting under schema-wiki: 'zzz';"):
        wiki_config(_config(zzz=1), tmp_path / "mkdocs.yml")


def test_mkdocs_build_fails_on_a_misspelt_key(tmp_path: Path) -> None:
    # With chekcs: the expired column would be demoted to a warning; the typo must not
    # pass as "no settings" either: the build stops on the key itself.
    root = _project(tmp_path, "      chekcs:\n        expired-column: warning\n")
    result = run(["mkdocs", "build", "-d", "site"], root)
    assert result.returncode == 1, result.stderr
    assert "schema-wiki: unknown setting under schema-wiki: 'chekcs'" in result.stderr
    assert "did you mean 'checks'?" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "site" / "index.html").exists()


def test_check_exits_2_on_a_misspelt_key(tmp_path: Path) -> None:
    root = _project(tmp_path, "      migratons: migrations\n")
    result = run(["schema-wiki", "check"], root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "did you mean 'migrations'?" in result.stderr
    assert result.stdout == ""


def test_a_correct_key_builds(tmp_path: Path) -> None:
    root = _project(tmp_path, "      checks:\n        expired-column: warning\n")
    result = run(["mkdocs", "build", "-d", "site"], root)
    assert result.returncode == 0, result.stderr
    assert "warning expired-column" in result.stderr
