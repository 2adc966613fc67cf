-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('activity_log', 'activity_id', 'activity_id')) }}

with

source as (

    select
        activity_id,
        rep_id,
        activity_type,
        started_at,
        duration_minutes,
        ended_at,
        account_id,
        opportunity_id,
        lead_id,
        crm_activity_id,
        source_system,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('activity', 'activities') }}
    {{ changed_records_filter('activity_id') }}

),

newest as (

    {{ newest_version('source', 'activity_id') }}

),

renamed as (

    select

        ---------- ids
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(crm_activity_id as {{ dbt.type_string() }}) as crm_activity_id,

        ---------- text
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        cast(source_system as {{ dbt.type_string() }}) as source_system,

        ---------- numerics
        -- duration_minutes as given, else end - start in fractional minutes; a double, not
        -- rounded (metrics spec: "Minutes are not rounded").
        coalesce(
            cast(duration_minutes as {{ type_double() }}),
            {{ minutes_between('started_at', 'ended_at') }}
        ) as duration_minutes,

        ---------- timestamps (UTC)
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
