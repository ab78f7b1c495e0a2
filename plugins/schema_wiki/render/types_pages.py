"""The types page: enums with their values and domains with their rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..model import Wiki

if TYPE_CHECKING:
    from .views import PageContext

TYPES = "schema/types.md"


def types_pages(wiki: Wiki, common: Callable[[str], dict[str, object]]) -> Iterator[PageContext]:
    """The types page, when the catalog has an enum or a domain."""
    from .views import PageContext

    catalog = wiki.catalog
    if catalog is None or not (catalog.enums or catalog.domains):
        return
    values = common(TYPES)
    values.update(enums=catalog.enums, domains=catalog.domains)
    yield PageContext(TYPES, "types.md.j2", values)
