"""Commands: the ``schema-wiki`` console script and its sub-commands."""
