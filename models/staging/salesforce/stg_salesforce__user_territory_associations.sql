with

source as (

    select
        id,
        user_id,
        territory_2_id,
        role_in_territory_2,
        is_active,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'user_territory_2_association') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as user_territory_association_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(territory_2_id as {{ dbt.type_string() }}) as territory_id,

        ---------- text
        cast(role_in_territory_2 as {{ dbt.type_string() }}) as role_in_territory,

        ---------- booleans
        -- IsActive missing means active (docs/kpi-reference.md, territory balance).
        cast(coalesce(is_active, true) as {{ dbt.type_boolean() }}) as is_active,

        ---------- timestamps (UTC)
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
