{#
    Staging models of the big raw tables are incremental by record. A daily run re-derives only
    the records with a raw row loaded since the model's watermark (macros/incremental_changes.sql),
    each from all its raw versions, so the newest-version rule and soft deletes hold as in a full
    build: the pre-hook deletes those records' rows (a record now deleted, or emptied, then has
    none), and the model inserts their newest, not deleted versions. A full refresh rebuilds the
    table whole. On Spark (Parquet, no DELETE) the model stays a table.

    {{ config(**staging_incremental_config('tasks', 'task_id')) }} in the model, and
    `{{ changed_records_filter() }}` after its `from {{ source(...) }}`.
#}

{% macro staging_incremental_config(chain, key, raw_key='id') -%}
    {%- if target.type == 'spark' -%}
        {%- do return({'materialized': 'table', 'file_format': 'parquet'}) -%}
    {%- endif -%}
    {%- do return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'pre_hook': reselection_hooks(
            'records', "'" ~ key ~ "'", "changed_record_keys('" ~ chain ~ "', '" ~ raw_key ~ "')"
        ),
        'post_hook': ["{{ record_incremental_watermark('" ~ chain ~ "') }}"],
    }) -%}
{%- endmacro %}

{# The raw keys of the records with a row loaded since the watermark (the pre-hook records them:
   macros/incremental_reselections.sql). #}
{% macro changed_record_keys(chain, raw_key) -%}
    select changed_records.changed_key
    from ({{ keys_loaded_since_watermark(incremental_change_sources(chain)[0], raw_key) }}) as changed_records
{%- endmacro %}

{% macro changed_records_filter(raw_key='id') -%}
    {%- if is_incremental() %}
    where {{ reselected('records', raw_key) }}
    {%- endif %}
{%- endmacro %}
