-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('events', 'event_id')) }}

with

source as (

    -- subject is free text that routinely names the contact ("Meeting with ..."): not read.
    select
        id,
        owner_id,
        start_date_time,
        created_date,
        end_date_time,
        duration_in_minutes,
        type,
        who_id,
        what_id,
        account_id,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'event') }}
    {{ changed_records_filter() }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as event_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(who_id as {{ dbt.type_string() }}) as who_id,
        cast(what_id as {{ dbt.type_string() }}) as what_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        ---------- text
        cast(type as {{ dbt.type_string() }}) as event_type,

        ---------- numerics
        -- DurationInMinutes, else end - start in fractional minutes; a double, not rounded.
        coalesce(
            cast(duration_in_minutes as {{ type_double() }}),
            {{ minutes_between('start_date_time', 'end_date_time') }}
        ) as duration_minutes,

        ---------- timestamps (UTC)
        cast(start_date_time as {{ dbt.type_timestamp() }}) as started_at,
        cast(end_date_time as {{ dbt.type_timestamp() }}) as ended_at,
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest
    where not coalesce(is_deleted, false)

)

select * from renamed
