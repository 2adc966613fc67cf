-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('leads_staged', 'lead_id')) }}

with

source as (

    -- phone, first_name and last_name are personal data and not read at all.
    select
        id,
        owner_id,
        status,
        created_date,
        email,
        company,
        lead_source,
        is_converted,
        converted_date,
        converted_opportunity_id,
        converted_account_id,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'lead') }}
    {{ changed_records_filter() }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as lead_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(converted_opportunity_id as {{ dbt.type_string() }}) as converted_opportunity_id,
        cast(converted_account_id as {{ dbt.type_string() }}) as converted_account_id,

        ---------- text
        cast(status as {{ dbt.type_string() }}) as status,
        cast(lead_source as {{ dbt.type_string() }}) as lead_source,
        -- An organisation, not a person: kept.
        cast(company as {{ dbt.type_string() }}) as company,

        ---------- personal data, pseudonymised
        {{ hash_email('email') }} as email_hash,

        ---------- booleans
        cast(coalesce(is_converted, false) as {{ dbt.type_boolean() }}) as is_converted,

        ---------- dates
        cast(converted_date as date) as converted_date,

        ---------- timestamps (UTC)
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest
    -- Soft deletes leave every mart, the funnel included: dropped after versioning.
    where not coalesce(is_deleted, false)

)

select * from renamed
