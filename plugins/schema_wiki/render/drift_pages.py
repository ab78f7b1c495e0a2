"""The drift page: the schema the migrations produce beside the one it is compared with."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..model import Wiki
from . import paths

if TYPE_CHECKING:
    from .views import PageContext

DRIFT = "schema/drift.md"


def drift_pages(wiki: Wiki, common: Callable[[str], dict[str, object]]) -> Iterator[PageContext]:
    """The drift page, only when ``compare_with`` is set."""
    from .views import PageContext

    if wiki.drift_label is None:
        return
    values = common(DRIFT)
    rows = []
    for d in wiki.drift:
        parts = d.target.split(".")
        table = wiki.table(parts[0], parts[1]) if len(parts) >= 2 else None
        column = parts[2] if len(parts) > 2 else None
        if table is None or (column is not None and table.column(column) is None):
            # Only one side has it: nothing on our pages to link to.
            table, column = None, None
        rows.append({"difference": d, "table": table, "column": column})
    values.update(rows=rows, label=wiki.drift_label, paths=paths)
    yield PageContext(DRIFT, "drift.md.j2", values)
