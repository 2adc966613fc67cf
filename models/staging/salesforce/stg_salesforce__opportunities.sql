with

source as (

    select
        id,
        account_id,
        owner_id,
        stage_name,
        close_date,
        is_closed,
        is_won,
        created_date,
        name,
        amount,
        probability,
        forecast_category,
        lead_source,
        type,
        currency_iso_code,
        territory_2_id,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'opportunity') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(territory_2_id as {{ dbt.type_string() }}) as territory_id,

        ---------- text
        cast(name as {{ dbt.type_string() }}) as opportunity_name,
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(forecast_category as {{ dbt.type_string() }}) as forecast_category,
        cast(lead_source as {{ dbt.type_string() }}) as lead_source,
        cast(type as {{ dbt.type_string() }}) as opportunity_type,
        cast(currency_iso_code as {{ dbt.type_string() }}) as currency_iso_code,

        ---------- numerics
        cast(amount as decimal(18, 2)) as amount,
        -- Salesforce's Probability: a percentage, 0 to 100.
        cast(probability as decimal(18, 4)) as probability,

        ---------- booleans
        cast(is_closed as {{ dbt.type_boolean() }}) as is_closed,
        cast(is_won as {{ dbt.type_boolean() }}) as is_won,

        ---------- dates
        cast(close_date as date) as close_date,

        ---------- timestamps (UTC)
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest
    -- Deleted opportunities count nowhere: dropped after versioning, so a record whose
    -- newest version is deleted disappears and a restored record comes back.
    where not coalesce(is_deleted, false)

)

select * from renamed
