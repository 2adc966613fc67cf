with

source as (

    select
        id,
        name,
        parent_role_id,
        developer_name,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'user_role') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as user_role_id,
        cast(parent_role_id as {{ dbt.type_string() }}) as parent_role_id,

        ---------- text
        cast(name as {{ dbt.type_string() }}) as role_name,
        cast(developer_name as {{ dbt.type_string() }}) as role_developer_name,

        ---------- timestamps (UTC)
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
