"""SQL snippets the suites push down to the engine (DuckDB, or PostgreSQL for the layers dbt
builds there).

`{batch}` in a query is Great Expectations' placeholder for the suite's batch. GX substitutes it
with an alias when the query has no join and without one when it has, so the queries here read
it as `(select * from {batch}) as <name>` and never join it: PostgreSQL wants every subquery in
FROM aliased, which a join's substitution would break.
"""

from __future__ import annotations

from datetime import datetime

from orchestration.sql_quoting import quote_literal

BATCH = "(select * from {batch})"


def timestamp_literal(when: datetime) -> str:
    return quote_literal(when.isoformat(sep=" "))


def newest_version(relation: str, key: str) -> str:
    """The newest version of each record of `relation`, as `macros/newest_version.sql` picks it
    (the contract's rule: highest system_modstamp, then last_modified_date, then the later file
    in landing order, then the later line). The raw checks run before dbt builds the staging
    tables, so they apply the same rule themselves; `tests/quality` checks the two agree.
    """
    return f"""(
    select * exclude (version_rank) from (
        select
            *,
            row_number() over (
                partition by {key}
                order by
                    system_modstamp desc nulls last,
                    last_modified_date desc nulls last,
                    _file_landed_at desc nulls last,
                    _source_file desc nulls last,
                    _source_line desc nulls last
            ) as version_rank
        from {relation}
    ) as versions
    where version_rank = 1
)"""


def current_records(relation: str, key: str, has_is_deleted: bool) -> str:
    """Newest versions that are not soft-deleted: the records the staging tables show."""
    newest = newest_version(relation, key)
    if not has_is_deleted:
        return newest
    return f"(select * from {newest} as newest where not coalesce(is_deleted, false))"


def substitute_batch(query: str, batch_query: str) -> str:
    """`query` with its `{batch}` replaced by the batch query itself (for sampling bad rows)."""
    return query.replace("{batch}", f"({batch_query})")
