with

source as (

    select
        id,
        name,
        is_active,
        created_date,
        email,
        manager_id,
        user_role_id,
        title,
        department,
        hire_date_c,
        system_modstamp,
        last_modified_date,
        _source_file,
        _source_line,
        _file_landed_at
    from {{ source('salesforce', 'user') }}

),

newest as (

    {{ newest_version('source', 'id') }}

),

renamed as (

    select

        ---------- ids
        cast(id as {{ dbt.type_string() }}) as user_id,
        cast(manager_id as {{ dbt.type_string() }}) as manager_id,
        cast(user_role_id as {{ dbt.type_string() }}) as user_role_id,

        ---------- text
        -- Reps are employees and dashboards show them by name: the name is kept on purpose.
        cast(name as {{ dbt.type_string() }}) as user_name,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(department as {{ dbt.type_string() }}) as department,

        ---------- personal data, pseudonymised
        {{ hash_email('email') }} as email_hash,

        ---------- booleans
        cast(is_active as {{ dbt.type_boolean() }}) as is_active,

        ---------- dates
        cast(hire_date_c as date) as hire_date,
        cast(coalesce(hire_date_c, cast(created_date as date)) as date) as start_date,

        ---------- timestamps (UTC)
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(system_modstamp as {{ dbt.type_timestamp() }}) as system_modified_at,
        cast(last_modified_date as {{ dbt.type_timestamp() }}) as last_modified_at,

        ---------- lineage
        cast(_source_file as {{ dbt.type_string() }}) as source_file

    from newest

)

select * from renamed
