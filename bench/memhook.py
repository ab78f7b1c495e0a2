"""Where a build's memory goes: a MkDocs hook that prints what the pages hold.

Add it to a project's mkdocs.yml (the plain twin's or the plugin project's)::

    hooks:
      - /path/to/bench/memhook.py

and build. Once every page is converted (``on_env``, before any is written)
it prints the resident memory, the Markdown, HTML and table-of-contents text
MkDocs keeps for the rest of the build, and how many pages hold a non-ASCII
character (Python then stores that page's whole text at two or four bytes a
character); at the end, the peak. The bench/README's memory section quotes it.
"""

from __future__ import annotations

import gc
import resource
import sys
from collections.abc import Iterable
from typing import Any


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _toc_bytes(items: Iterable[Any]) -> int:
    total = 0
    for item in items:
        total += sys.getsizeof(item) + sys.getsizeof(vars(item)) + sys.getsizeof(item.title)
        total += _toc_bytes(item.children)
    return total


def on_env(env: Any, config: Any, files: Any) -> Any:
    pages = [f.page for f in files.documentation_pages() if f.page is not None]
    markdown = sum(sys.getsizeof(p.markdown or "") for p in pages)
    html = sum(sys.getsizeof(p.content or "") for p in pages)
    toc = sum(_toc_bytes(p.toc) for p in pages)
    wide = sum(1 for p in pages if not (p.markdown or "").isascii())
    mib = 2**20
    print(
        f"memhook: {len(pages)} pages converted; resident {_rss_mib():.0f} MiB;"
        f" page Markdown {markdown / mib:.0f} MiB, HTML {html / mib:.0f} MiB,"
        f" tables of contents {toc / mib:.1f} MiB; {wide} pages not ASCII;"
        f" {len(gc.get_objects()):,} objects",
        file=sys.stderr,
        flush=True,
    )
    return env


def on_post_build(config: Any) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memhook: end of build; resident {_rss_mib():.0f} MiB, peak {peak:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
