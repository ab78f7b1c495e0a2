"""schema wiki: a documentation-as-code wiki for PostgreSQL schemas."""

__version__ = "0.1.0"
