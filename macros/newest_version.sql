{#
    newest_version(relation, key)

    The newest version of each record, as the extract contract defines it
    (docs/landing-contract.md, "Versions, deletes and re-deliveries"): among the rows with
    the same `key`, the highest `system_modstamp` (a NULL ranks below any value), on a tie the highest
    `last_modified_date` (same), then the later file in landing order (`_file_landed_at`,
    then `_source_file`), then the later line (`_source_line`).

    `relation` is a relation (`source(...)`, `ref(...)`) or the name of a CTE that carries
    those columns; `key` is the record key column (`id`, or `activity_id` for the activity
    log). Returns a whole `select` statement with every input column plus `version_rank`
    (always 1): use it as the body of a CTE.

    Written with row_number() in a subquery (no `qualify`) and explicit `nulls last`, so
    it runs unchanged on DuckDB, PostgreSQL and Spark.
#}
{% macro newest_version(relation, key) -%}
select *
from (
    select
        *,
        row_number() over (
            partition by {{ key }}
            order by
                system_modstamp desc nulls last,
                last_modified_date desc nulls last,
                _file_landed_at desc nulls last,
                _source_file desc nulls last,
                _source_line desc nulls last
        ) as version_rank
    from {{ relation }}
) as versions
where version_rank = 1
{%- endmacro %}
