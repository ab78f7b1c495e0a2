"""The "What CI catches" page of the example wiki is what the gate really prints."""

from __future__ import annotations

import pytest

from ci_example import PAGE, render


@pytest.mark.slow
def test_the_committed_page_is_what_the_gate_prints_now() -> None:
    fresh = render()
    assert "error expired-column: public.users.legacy_id" in fresh
    assert "warning expiring-column" in fresh and "::error file=migrations/" in fresh
    assert PAGE.read_text(encoding="utf-8") == fresh, (
        "docs/using/what-ci-catches.md is out of date: run .venv/bin/python tests/ci_example.py"
    )
