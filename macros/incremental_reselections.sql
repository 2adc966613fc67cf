{#
    What an incremental build re-selects, worked out once per build and read by all that needs
    it: the model's own filters, its pre-hook delete, and the uniqueness tests of the same dbt
    invocation (tests/dbt/generic), which then check the re-selected rows against the table
    instead of the whole table again.

    meta.incremental_reselections holds, per model and dbt invocation, one marker row naming
    what the model compares (`reselected_by`: SQL over the model's columns, and whether it is a
    period or a record key) and one row per re-selected value: a period (`period_start`, a
    date) or a record key (`record_key`). The change query runs once, in the pre-hook; before,
    the model's filter ran it when the model was rendered and the delete ran it again.
#}

{% macro incremental_reselections_relation() -%}
    meta.incremental_reselections
{%- endmacro %}

{# on-run-start (after the meta schema exists): the table, created once. #}
{% macro create_incremental_reselections() -%}
    create table if not exists {{ incremental_reselections_relation() }} (
        model_name {{ dbt.type_string() }},
        invocation_id {{ dbt.type_string() }},
        reselected_by {{ dbt.type_string() }},
        reselects {{ dbt.type_string() }},
        period_start date,
        record_key {{ dbt.type_string() }}
    )
{%- endmacro %}

{# The pre-hooks of an incremental model (text, rendered when they run), in order: forget,
   record, delete. `compared` and `changed_sql` are Jinja expressions, as text. #}
{% macro reselection_hooks(reselects, compared, changed_sql) -%}
    {%- do return([
        "{{ forget_reselections() }}",
        "{{ record_reselection('" ~ reselects ~ "', " ~ compared ~ ", " ~ changed_sql ~ ") }}",
        "{{ delete_reselected('" ~ reselects ~ "', " ~ compared ~ ") }}",
    ]) -%}
{%- endmacro %}

{% macro reselected_column(reselects) -%}
    {%- if reselects not in ('periods', 'records') -%}
        {{ exceptions.raise_compiler_error("reselects must be 'periods' or 'records', not " ~ reselects) }}
    {%- endif -%}
    {{ 'period_start' if reselects == 'periods' else 'record_key' }}
{%- endmacro %}

{# pre-hook 1: the model's rows of earlier builds go (Spark's Parquet has no DELETE: they stay,
   told apart by the invocation). #}
{% macro forget_reselections() -%}
    {{ return(adapter.dispatch('forget_reselections')()) }}
{%- endmacro %}

{% macro default__forget_reselections() -%}
    delete from {{ incremental_reselections_relation() }}
    where model_name = '{{ this.name }}'
{%- endmacro %}

{% macro spark__forget_reselections() -%}
{%- endmacro %}

{#
    pre-hook 2, on an incremental build: the marker row and the values `changed_sql` (one
    column) returns, each once.
#}
{% macro record_reselection(reselects, compared, changed_sql) -%}
    {%- if is_incremental() %}
    insert into {{ incremental_reselections_relation() }}
        (model_name, invocation_id, reselected_by, reselects, {{ reselected_column(reselects) }})
    select '{{ this.name }}', '{{ invocation_id }}', '{{ compared | replace("'", "''") }}', '{{ reselects }}', null
    union all
    select distinct '{{ this.name }}', '{{ invocation_id }}', null, null, changed.*
    from ({{ changed_sql }}) as changed
    {%- endif %}
{%- endmacro %}

{# The values re-selected by this invocation's build of `model_name` (default: this model). #}
{% macro reselected_values(reselects, model_name=none) -%}
    {%- set column = reselected_column(reselects) -%}
    select reselected.{{ column }}
    from {{ incremental_reselections_relation() }} as reselected
    where reselected.model_name = '{{ model_name or this.name }}'
        and reselected.invocation_id = '{{ invocation_id }}'
        and reselected.{{ column }} is not null
{%- endmacro %}

{# A model's filter: `expression` (a period or a record key) is one this build re-selects. #}
{% macro reselected(reselects, expression) -%}
    {{ expression }} in ({{ reselected_values(reselects) }})
{%- endmacro %}

{#
    pre-hook 3: drop the rows of the re-selected periods (or records) before the new ones go
    in. delete+insert alone deletes only the keys the new rows carry, so a week whose every
    activity was deleted or moved away would keep its old rows. No-op on a full build.
#}
{% macro delete_reselected(reselects, compared) -%}
    {{ return(adapter.dispatch('delete_reselected')(reselects, compared)) }}
{%- endmacro %}

{% macro default__delete_reselected(reselects, compared) -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where {{ reselected(reselects, compared) }}
    {%- endif %}
{%- endmacro %}

{#
    Spark on Parquet has no DELETE: insert_overwrite replaces the partitions the new rows
    fill; a partition left with no row keeps its old rows until the full_refresh job.
#}
{% macro spark__delete_reselected(reselects, compared) -%}
{%- endmacro %}

{#
    For a test of `model` (a relation) in the invocation that built it incrementally: SQL true
    for the rows that build re-selected; none when the invocation did not build it that way (a
    full refresh, a `dbt test` on its own): the test then reads the whole table.
#}
{% macro reselected_rows(model) -%}
    {%- if not execute or model.identifier is not defined -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set marker -%}
        select reselected_by, reselects
        from {{ incremental_reselections_relation() }}
        where model_name = '{{ model.identifier }}'
            and invocation_id = '{{ invocation_id }}'
            and reselected_by is not null
    {%- endset -%}
    {%- set found = run_query(marker) -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set reselected_by, reselects = found.rows[0][0], found.rows[0][1] -%}
    {{ return(reselected_by ~ ' in (' ~ reselected_values(reselects, model.identifier) ~ ')') }}
{%- endmacro %}
