"""Sources: read what the team wrote and what the database holds.

Takes the project's files and, for the catalog, a connection string; gives
plain model values: `Migration` (headers, statements with their file and
line, documents), `Adr` (front matter, references, relations) and `Catalog`
(what PostgreSQL says exists now). Nothing here joins them or judges them:
a file that cannot be read becomes a `Finding` beside the values, never a
traceback.
"""
