"""The product's own exceptions.

Every failure a user can cause (bad input, a database that cannot be reached,
a migration that does not apply) is one of these, carrying the file and line
when there is one. The MkDocs glue turns them into ``PluginError`` and the
command line into a one-line message; neither shows a traceback.
"""

from __future__ import annotations

from .model import Location


class SchemaWikiError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigError(SchemaWikiError):
    """The configuration is invalid (a missing directory, a bad value)."""


class SourceError(SchemaWikiError):
    """A migration or ADR file cannot be read at all."""


class DatabaseError(SchemaWikiError):
    """The database cannot be reached or read. Never contains a password."""


class ServerError(SchemaWikiError):
    """The throwaway PostgreSQL server could not be started."""


class MigrationFailed(SchemaWikiError):
    """A migration did not apply to the throwaway server.

    ``statement`` is the SQL that failed; ``pg_message`` PostgreSQL's own words.
    """

    def __init__(
        self, message: str, location: Location | None, statement: str, pg_message: str
    ) -> None:
        super().__init__(message, location)
        self.statement = statement
        self.pg_message = pg_message
