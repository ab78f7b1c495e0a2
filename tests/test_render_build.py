"""The example wiki built a second way: MkDocs' own theme, a template override, deeper diagrams.

One real ``mkdocs build --strict`` of a copy of the example project with
``theme: mkdocs``, ``templates_dir`` overriding one block of the table page,
and ``erd_depth: 2``.
"""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from helpers import ROOT, run

OVERRIDE = """{% extends "default/table.md.j2" %}
{% block summary %}
{{ super() }}
Owned by the identity team. Questions: #identity on chat.
{% endblock %}
"""

MKDOCS_YML = """site_name: Variant
theme: mkdocs
nav:
  - Home: index.md
  - Schema: schema/index.md
  - Migrations: migrations/index.md
plugins:
  - search
  - schema-wiki:
      templates_dir: overrides/schema-wiki
      erd_depth: 2
      checks:
        undocumented-column:
          exclude: ["*.id", "*.created_at"]
"""


@pytest.fixture(scope="module")
def variant_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("variant")
    for name in ("migrations", "adrs", "docs"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("assets"))
    overrides = project / "overrides" / "schema-wiki"
    overrides.mkdir(parents=True)
    (overrides / "table.md.j2").write_text(OVERRIDE)
    (project / "mkdocs.yml").write_text(MKDOCS_YML)
    result = run(["mkdocs", "build", "--strict", "-d", str(project / "site")], project)
    assert result.returncode == 0, result.stderr
    return project / "site"


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_builds_with_the_plain_mkdocs_theme(variant_site: Path) -> None:
    users = (variant_site / "schema/public/users/index.html").read_text()
    assert "md-typeset" not in users  # not mkdocs-material
    assert 'src="../../../assets/schema-wiki/schema-wiki.js"' in users
    assert (variant_site / "assets/schema-wiki/mermaid.min.js").stat().st_size > 1_000_000
    assert '<pre class="mermaid"><code>erDiagram' in users
    assert 'id="column-phone"' in users


def test_override_changes_one_block_of_every_table_page(variant_site: Path) -> None:
    for table in ("users", "invoices"):
        html = (variant_site / f"schema/public/{table}/index.html").read_text()
        assert "<p>Owned by the identity team. Questions: #identity on chat.</p>" in html
        assert "<table>" in html and 'id="columns"' in html  # the default blocks follow
    migration = (variant_site / "migrations/20240110090000_create_users/index.html").read_text()
    assert "Owned by the identity team" not in migration


def test_erd_depth_reaches_two_hops(variant_site: Path) -> None:
    html = (variant_site / "schema/public/invoices/index.html").read_text()
    diagram = _text(html.split('<pre class="mermaid">', 1)[1].split("</pre>", 1)[0])
    # invoices -> users (one hop) -> user_profiles, notifications (two hops)
    for name in ("invoices", "users", "user_profiles", "notifications"):
        assert f'["{name}"]' in diagram, name
    assert "within 2 foreign-key hops" in html
