with

source as (

    select
        id,
        name,
        parent_territory_2_id,
        territory_2_type_id,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'territory_2') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as territory_id,
        cast(parent_territory_2_id as {{ dbt.type_string() }}) as parent_territory_id,
        cast(territory_2_type_id as {{ dbt.type_string() }}) as territory_type_id,

        ---------- text
        cast(name as {{ dbt.type_string() }}) as territory_name,

        ---------- timestamps (UTC)
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
