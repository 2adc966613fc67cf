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
    The newest `_loaded_at` this model was built from; a model with no recorded build (or a
    watermark log lost) takes every raw row as new, which re-selects every period.
#}
{% macro incremental_watermark() -%}
    coalesce(
        (
            select max(watermarks.loaded_through)
            from {{ incremental_watermarks_relation() }} as watermarks
            where watermarks.model_name = '{{ this.name }}'
        ),
        cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
    )
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
    reselected(expression, changed_sql): `expression in (<the values changed_sql returns>)`, the
    values run once when the model (or hook) is rendered and written as literals, so the engine
    prunes by them instead of joining the change query (on 2M activity rows the subquery form
    cost as much as the full build); `false` when nothing changed. A model filtering several
    inputs by the same values runs the query once (`changed_values`) and writes each filter with
    `in_values`.
#}
{% macro reselected(expression, changed_sql) -%}
    {{ in_values(expression, changed_values(changed_sql)) }}
{%- endmacro %}

{% macro changed_values(changed_sql) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(run_query(changed_sql).columns[0].values() | reject('none') | list) }}
{%- endmacro %}

{% macro in_values(expression, values) -%}
    {%- if values | length == 0 -%}
        false
    {%- else -%}
        {{ expression }} in (
        {%- for value in values -%}
            {%- if value is string -%}
                '{{ value | replace("'", "''") }}'
            {%- else -%}
                cast('{{ value }}' as date)
            {%- endif -%}
            {{- ", " if not loop.last -}}
        {%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#
    pre-hook: drop the rows of the re-selected periods (or records) before the new ones go
    in. delete+insert alone deletes only the keys the new rows carry, so a week whose every
    activity was deleted or moved away would keep its old rows. No-op on a full build.
#}
{% macro delete_reselected(column, changed_sql) -%}
    {{ return(adapter.dispatch('delete_reselected')(column, changed_sql)) }}
{%- endmacro %}

{% macro default__delete_reselected(column, changed_sql) -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where {{ reselected(column, changed_sql) }}
    {%- endif %}
{%- endmacro %}

{#
    Spark on Parquet has no DELETE: insert_overwrite replaces the partitions the new rows
    fill; a partition left with no row keeps its old rows until the full_refresh job.
#}
{% macro spark__delete_reselected(column, changed_sql) -%}
{%- endmacro %}

{#
    config() of an incremental model of `chain` re-selecting whole `unique_key` values (a
    period column, or a record key): delete+insert on DuckDB and PostgreSQL; on Spark
    insert_overwrite of the partitions when the key is a period, a plain table when it is a
    record key (insert_overwrite replaces whole partitions only). `changed` is the call (as
    text, rendered when the hook runs) of the change macro selecting the keys to re-select;
    `delete_expression` is the (text) Jinja expression the pre-hook compares to them, for a
    model without a key column (default: the key column's name).
#}
{% macro incremental_config(chain, unique_key, changed, partitioned=true, delete_expression=none) -%}
    {%- set watermark_hook = "{{ record_incremental_watermark('" ~ chain ~ "') }}" -%}
    {%- if target.type == 'spark' -%}
        {%- if partitioned -%}
            {%- do return({
                'materialized': 'incremental',
                'incremental_strategy': 'insert_overwrite',
                'partition_by': [unique_key],
                'file_format': 'parquet',
                'on_schema_change': 'fail',
                'post_hook': [watermark_hook],
            }) -%}
        {%- endif -%}
        {%- do return({'materialized': 'table', 'file_format': 'parquet'}) -%}
    {%- endif -%}
    {%- set compared = delete_expression or ("'" ~ unique_key ~ "'") -%}
    {%- set delete_hook = "{{ delete_reselected(" ~ compared ~ ", " ~ changed ~ ") }}" -%}
    {%- set config = {
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'pre_hook': [delete_hook],
        'post_hook': [watermark_hook],
    } -%}
    {%- if unique_key -%}
        {%- do config.update({'unique_key': unique_key}) -%}
    {%- endif -%}
    {%- do return(config) -%}
{%- endmacro %}
