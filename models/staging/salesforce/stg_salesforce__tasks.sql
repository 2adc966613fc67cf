-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('tasks', 'task_id')) }}

with

source as (

    -- subject is free text that routinely names the contact ("Call with ..."): not read.
    select
        id,
        owner_id,
        activity_date,
        created_date,
        task_subtype,
        type,
        status,
        call_duration_in_seconds,
        who_id,
        what_id,
        account_id,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'task') }}
    {{ changed_records_filter() }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as task_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(who_id as {{ dbt.type_string() }}) as who_id,
        cast(what_id as {{ dbt.type_string() }}) as what_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        ---------- text
        cast(task_subtype as {{ dbt.type_string() }}) as task_subtype,
        cast(type as {{ dbt.type_string() }}) as task_type,
        cast(status as {{ dbt.type_string() }}) as task_status,

        ---------- numerics
        cast(call_duration_in_seconds as {{ dbt.type_bigint() }}) as call_duration_seconds,
        -- Fractional minutes, a double, not rounded (61 s = 1.0166666666666666); NULL when
        -- the task has no call duration.
        {{ duration_from_seconds('call_duration_in_seconds', 'minute') }} as call_duration_minutes,

        ---------- dates
        cast(activity_date as date) as activity_date,

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
