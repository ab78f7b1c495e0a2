"""Cache: what a build keeps for the next one, in memory and in ``.cache/schema-wiki/``.

Nothing here decides what a page says; every entry is keyed by its inputs
and the code's fingerprint (`disk.code_fingerprint`), and a miss just
recomputes.
"""
