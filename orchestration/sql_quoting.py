"""Quoting of names and string values written into SQL text, for the statements no bound
parameter can carry (identifiers, DDL, `attach`, `set`, comments). Standard SQL quoting, the
same on DuckDB, PostgreSQL and Spark SQL."""


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    """A string literal of `value` (a path or anything else is written as its str())."""
    return "'" + str(value).replace("'", "''") + "'"
