"""Join: the sources and the replay's record become one cross-linked `Wiki`.

Takes the migrations and ADRs (`schema_wiki.sources`) and the catalog the
replay or a live database gave; gives the `Wiki` every check and page reads:
tables and columns with their history, drop dates, ADR links and drift.
"""
