"""Replay: a throwaway PostgreSQL applies the migrations, in order.

Takes the parsed migrations (`schema_wiki.sources`); gives the catalog the
server ends with. The server is the judge of the SQL: what it refuses stops
the build with the file and line.
"""
