{#-
    Lead fields whose old and new values pass staging, compared case-insensitively with
    LeadHistory.Field. Every other field's values are blanked: lead history also tracks
    Email, Phone, FirstName, LastName, addresses and custom fields, which are personal data.
    Add a field here only if its values can never identify a person.
-#}

-- Incremental by record (macros/incremental_staging.sql): a daily run re-derives only the
-- records with a newly loaded raw row; the full_refresh job rebuilds it whole.
{{ config(**staging_incremental_config('lead_histories', 'lead_history_id')) }}

{%- set non_personal_fields = [
    'status',
    'leadsource',
    'owner',
    'company',
    'industry',
    'rating',
    'created',
    'leadconverted',
    'leadmerged',
] -%}

with

source as (

    select
        id,
        lead_id,
        field,
        created_date,
        old_value,
        new_value,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'lead_history') }}
    {{ changed_records_filter() }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as lead_history_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,

        ---------- text
        cast(field as {{ dbt.type_string() }}) as field_name,
        case
            when lower(field) in ('{{ non_personal_fields | join("', '") }}')  -- noqa: LT05
                then cast(old_value as {{ dbt.type_string() }})
        end as old_value,
        case
            when lower(field) in ('{{ non_personal_fields | join("', '") }}')  -- noqa: LT05
                then cast(new_value as {{ dbt.type_string() }})
        end as new_value,

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
