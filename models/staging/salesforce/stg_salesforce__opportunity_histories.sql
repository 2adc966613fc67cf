-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('opportunity_histories', 'opportunity_history_id')) }}

with

source as (

    select
        id,
        opportunity_id,
        stage_name,
        created_date,
        amount,
        probability,
        close_date,
        forecast_category,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'opportunity_history') }}
    {{ changed_records_filter() }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as opportunity_history_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,

        ---------- text
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(forecast_category as {{ dbt.type_string() }}) as forecast_category,

        ---------- numerics
        cast(amount as decimal(18, 2)) as amount,
        cast(probability as decimal(18, 4)) as probability,

        ---------- dates
        cast(close_date as date) as close_date,

        ---------- timestamps (UTC)
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest
    where not coalesce(is_deleted, false)

)

select * from renamed
