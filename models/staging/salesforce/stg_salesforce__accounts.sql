with

source as (

    select
        id,
        name,
        owner_id,
        created_date,
        industry,
        type,
        annual_revenue,
        number_of_employees,
        billing_country,
        billing_state,
        is_deleted,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'account') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,

        ---------- text
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(type as {{ dbt.type_string() }}) as account_type,
        cast(billing_country as {{ dbt.type_string() }}) as billing_country,
        cast(billing_state as {{ dbt.type_string() }}) as billing_state,

        ---------- numerics
        cast(annual_revenue as decimal(18, 2)) as annual_revenue,
        cast(number_of_employees as {{ dbt.type_bigint() }}) as number_of_employees,

        ---------- timestamps (UTC)
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest
    -- Soft deletes leave every mart: dropped here, after versioning, so a record whose
    -- newest version is deleted disappears and a restored record comes back.
    where not coalesce(is_deleted, false)

)

select * from renamed
