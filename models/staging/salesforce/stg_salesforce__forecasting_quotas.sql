with

source as (

    select
        id,
        quota_owner_id,
        quota_amount,
        start_date,
        period_type,
        territory_2_id,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'forecasting_quota') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as quota_id,
        cast(quota_owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(territory_2_id as {{ dbt.type_string() }}) as territory_id,

        ---------- text
        -- 'Month' / 'Quarter' -> 'month' / 'quarter'; NULL when absent (the marts apply
        -- the var quota_period).
        cast(lower(trim(period_type)) as {{ dbt.type_string() }}) as period_type,

        ---------- numerics
        cast(quota_amount as decimal(18, 2)) as quota_amount,

        ---------- dates
        cast(start_date as date) as start_date,

        ---------- timestamps (UTC)
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
