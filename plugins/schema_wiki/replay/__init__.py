"""Replay: a throwaway PostgreSQL applies the migrations, in order.

Takes the parsed migrations (`schema_wiki.sources`); gives the catalog the
server ends with. The server is the judge of the SQL: what it refuses stops
the build with the file and line. Before the first migration the server has
what the project's tool would have given it: the tool's own bookkeeping table
(`bookkeeping`, hidden from the wiki) and, where the binaries lack them,
stand-ins for pgcrypto and uuid-ossp (`standin`).
"""
