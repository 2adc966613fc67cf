{#
    The machinery every incremental model shares: which raw rows are new to the model, how the
    model remembers what it has seen, and how it drops the rows it re-selects.

    A model's watermark is the newest raw `_loaded_at` it has been built from, one row per build
    appended to `meta.incremental_watermarks` by its post-hook (`record_incremental_watermark`),
    so a model that failed or was not selected in a run keeps its older watermark and catches
    up on the next one. dbt's own options do not fit: `microbatch` and a `max(...) from this`
    filter select by a date the model carries, so a correction to an old week landed today
    would be missed; here the date comes from every raw version of each record with a new row.

    The raw rows of one run are loaded before dbt starts (one writer at a time), so the max
    `_loaded_at` read after the build is the one the build read.
#}

{% macro incremental_watermarks_relation() -%}
    meta.incremental_watermarks
{%- endmacro %}

{# on-run-start (two hooks: one statement each): the watermark log, created once. #}
{% macro create_incremental_watermarks_schema() -%}
    create schema if not exists meta
{%- endmacro %}

{% macro create_incremental_watermarks() -%}
    create table if not exists {{ incremental_watermarks_relation() }} (
        model_name {{ dbt.type_string() }},
        loaded_through {{ dbt.type_timestamp() }},
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#
    The newest `_loaded_at` this model was built from, as a literal (read when the pre-hook
    renders, cast to text in SQL so no driver's time zone handling touches it); a model with no
    recorded build (or a watermark log lost) takes every raw row as new, which re-selects every
    period. A literal rather than a subquery: DuckDB prunes the raw tables' row groups by it
    (their `_loaded_at` only grows), and the models of a chain that share a watermark render the
    same change query, which record_reselection then runs once (incremental_reselections.sql).
#}
{% macro incremental_watermark() -%}
    {%- set loaded_through = none -%}
    {%- if execute -%}
        {%- set lookup -%}
            select {{ dbt.cast('max(watermarks.loaded_through)', dbt.type_string()) }}
            from {{ incremental_watermarks_relation() }} as watermarks
            where watermarks.model_name = '{{ this.name }}'
        {%- endset -%}
        {%- set loaded_through = run_query(lookup).columns[0].values()[0] -%}
    {%- endif -%}
    cast('{{ loaded_through or "1900-01-01 00:00:00" }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{# Keys of the records of `relation` (a raw source) with a row loaded after the watermark. #}
{% macro keys_loaded_since_watermark(relation, key) -%}
    select {{ key }} as changed_key
    from {{ relation }}
    where _loaded_at > {{ incremental_watermark() }}
{%- endmacro %}

{#
    The parent (`parent_column`: opportunity_id, lead_id) of every raw version of each row of a
    history object with a new row: a corrected history row may name another parent, and both
    parents change.
#}
{% macro parents_of_changed_history(histories, parent_column) -%}
    select history_versions.{{ parent_column }}
    from {{ histories }} as history_versions
    where history_versions.id in ({{ keys_loaded_since_watermark(histories, 'id') }})
{%- endmacro %}

{#
    The raw tables whose new rows can change a model of `chain`: what its change macros read
    and what its watermark covers.
#}
{% macro incremental_change_sources(chain) -%}
    {%- set chains = {
        'activities': [
            source('activity', 'activities'), source('salesforce', 'task'),
            source('salesforce', 'event'), source('salesforce', 'opportunity'),
        ],
        'stage_intervals': [source('salesforce', 'opportunity'), source('salesforce', 'opportunity_history')],
        'lead_statuses': [source('salesforce', 'lead'), source('salesforce', 'lead_history')],
        'leads': [
            source('salesforce', 'lead'), source('salesforce', 'lead_history'),
            source('salesforce', 'opportunity'),
        ],
        'activity_log': [source('activity', 'activities')],
        'tasks': [source('salesforce', 'task')],
        'events': [source('salesforce', 'event')],
        'leads_staged': [source('salesforce', 'lead')],
        'lead_histories': [source('salesforce', 'lead_history')],
        'opportunity_histories': [source('salesforce', 'opportunity_history')],
    } -%}
    {%- do return(chains[chain]) -%}
{%- endmacro %}

{#
    post-hook: append the newest `_loaded_at` of the chain's raw tables (append-only, so it
    runs on engines without DELETE; the lookup takes the max).
#}
{% macro record_incremental_watermark(chain) -%}
    insert into {{ incremental_watermarks_relation() }} (model_name, loaded_through, recorded_at)
    select
        '{{ this.name }}',
        max(loaded_through),
        {{ dbt.current_timestamp() }}
    from (
        {%- for relation in incremental_change_sources(chain) %}
        select max(_loaded_at) as loaded_through from {{ relation }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as loaded
    having max(loaded_through) is not null
{%- endmacro %}

{#
    config() of an incremental model of `chain` re-selecting whole periods (`reselects`:
    'periods', dates) or records ('records', keys): `changed` is the call (as text, rendered
    when the hook runs) of the change macro selecting them, `unique_key` the model's column
    holding them, `delete_expression` the (text) Jinja expression compared instead for a model
    without such a column. The pre-hooks record the re-selection once per build
    (macros/incremental_reselections.sql) and drop those rows; the model reads the same record.
    delete+insert on DuckDB and PostgreSQL; on Spark insert_overwrite of the partitions when the
    key is a period column, a plain table otherwise (insert_overwrite replaces whole partitions
    only).
#}
{% macro incremental_config(chain, unique_key, changed, reselects='periods', delete_expression=none) -%}
    {%- set compared = delete_expression or ("'" ~ unique_key ~ "'") -%}
    {%- set pre_hooks = reselection_hooks(reselects, compared, changed) -%}
    {%- set watermark_hook = "{{ record_incremental_watermark('" ~ chain ~ "') }}" -%}
    {%- if target.type == 'spark' -%}
        {%- if reselects == 'periods' and unique_key -%}
            {%- do return({
                'materialized': 'incremental',
                'incremental_strategy': 'insert_overwrite',
                'partition_by': [unique_key],
                'file_format': 'parquet',
                'on_schema_change': 'fail',
                'pre_hook': pre_hooks,
                'post_hook': [watermark_hook],
            }) -%}
        {%- endif -%}
        {%- do return({'materialized': 'table', 'file_format': 'parquet'}) -%}
    {%- endif -%}
    {%- set config = {
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'pre_hook': pre_hooks,
        'post_hook': [watermark_hook],
    } -%}
    {%- if unique_key -%}
        {%- do config.update({'unique_key': unique_key}) -%}
    {%- endif -%}
    {%- do return(config) -%}
{%- endmacro %}
