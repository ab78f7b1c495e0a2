"""ADR pages: each decision, and the decision log."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from markupsafe import Markup

from ..build import adr_number, resolve_ref
from ..model import Adr, Wiki
from . import paths
from .views import Links, PageContext, link_markdown


def adr_pages(
    wiki: Wiki, common: Callable[[str], dict[str, object]], migrations_dir: str
) -> Iterator[PageContext]:
    """One page per ADR and the ADR log; ``common`` gives every page's base values."""
    for adr in wiki.adrs:
        page = paths.adr_page(adr.id)
        links = Links(wiki, page)
        values = common(page)
        seen: list[str] = []
        refs = []
        for ref in adr.refs:
            if ref.text not in seen and resolve_ref(wiki, ref)[0] is not None:
                seen.append(ref.text)
                refs.append(links.ref(ref))
        related = _related_adrs(wiki, adr)
        values.update(
            adr=adr,
            refs=refs,
            body=Markup(link_markdown(wiki, adr.body, adr.path, links, migrations_dir)),
            migrations=wiki.adr_migrations.get(adr.id, []),
            related=related,
            people=_people(adr),
            findings=[f for f in wiki.findings if f.target == adr.id],
        )
        yield PageContext(page, "adr.md.j2", values)

    values = common(paths.ADRS_INDEX)
    values.update(adrs=wiki.adrs)
    yield PageContext(paths.ADRS_INDEX, "adrs_index.md.j2", values)


def _related_adrs(wiki: Wiki, adr: Adr) -> list[tuple[str, str]]:
    """(relation, adr id) pairs stated on either side."""
    out: list[tuple[str, str]] = []
    by_number = {a.number: a for a in wiki.adrs if a.number is not None}
    inverse = {
        "supersedes": "superseded by",
        "superseded-by": "supersedes",
        "superseded_by": "supersedes",
        "amends": "amended by",
        "relates-to": "relates to",
        "relates_to": "relates to",
    }
    for key in (
        "supersedes",
        "superseded-by",
        "superseded_by",
        "amends",
        "relates-to",
        "relates_to",
    ):
        for item in _items(adr.meta.get(key)):
            other = _find_adr(wiki, by_number, item)
            if other is not None:
                out.append((key.replace("_", " ").replace("-", " "), other.id))
    for other in wiki.adrs:
        if other.id == adr.id:
            continue
        for key, inv in inverse.items():
            for item in _items(other.meta.get(key)):
                if _find_adr(wiki, by_number, item) is adr and (inv, other.id) not in out:
                    out.append((inv, other.id))
    return out


def _find_adr(wiki: Wiki, by_number: dict[int, Adr], item: str) -> Adr | None:
    number = adr_number(item)
    if number is not None and number in by_number:
        return by_number[number]
    return wiki.adr(item)


def _items(value: object) -> list[str]:
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, str | int):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return []


def _people(adr: Adr) -> list[tuple[str, str]]:
    out = []
    for key, label in (
        ("decision-makers", "Decision makers"),
        ("deciders", "Deciders"),
        ("consulted", "Consulted"),
        ("informed", "Informed"),
    ):
        items = _items(adr.meta.get(key))
        if items:
            out.append((label, ", ".join(items)))
    return out
