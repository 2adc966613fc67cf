{#
    register_raw_parquet(tables)

    Registers the raw tables DuckDB wrote as Parquet (orchestration/engines/handoff.py) in the
    catalog of the engine dbt runs on, as `raw.<table>` over the files at their location, so
    the staging models read them as on DuckDB. `tables` maps a table name to its folder.
    Run by the hand-off as `dbt run-operation register_raw_parquet` with the spark target, so
    the catalog is the one dbt's own Spark session uses. Spark only: PostgreSQL gets its raw
    tables by COPY.

    DuckDB writes timestamps without time zone; Spark would read them as timestamp_ntz, a
    type the models' date functions treat apart, so inference is turned off and they read
    as Spark's timestamp in the session's time zone (UTC, profiles/profiles.yml).
#}
{% macro register_raw_parquet(tables) %}
    {{ return(adapter.dispatch('register_raw_parquet')(tables)) }}
{% endmacro %}

{% macro default__register_raw_parquet(tables) %}
    {{ exceptions.raise_compiler_error("register_raw_parquet: raw tables are handed over as Parquet to Spark only, not to " ~ target.type) }}
{% endmacro %}

{% macro spark__register_raw_parquet(tables) %}
    {% do run_query("set spark.sql.parquet.inferTimestampNTZ.enabled = false") %}
    {% do run_query("create schema if not exists raw") %}
    {% for name, location in tables.items() %}
        {% do run_query("drop table if exists raw." ~ name) %}
        {% do run_query("create table raw." ~ name ~ " using parquet location '" ~ location ~ "'") %}
        {{ log("registered raw." ~ name ~ " over " ~ location, info=true) }}
    {% endfor %}
{% endmacro %}
