with

source as (

    select
        id,
        object_id,
        territory_2_id,
        association_cause,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'object_territory_2_association') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as object_territory_association_id,
        -- ObjectId is an Account Id (docs/landing-contract.md).
        cast(object_id as {{ dbt.type_string() }}) as account_id,
        cast(territory_2_id as {{ dbt.type_string() }}) as territory_id,

        ---------- text
        cast(association_cause as {{ dbt.type_string() }}) as association_cause,

        ---------- timestamps (UTC)
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
