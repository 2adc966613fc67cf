-- One row per rep (Salesforce User), with manager (team), role, territories, start date and ramp.
with

users as (

    select
        user_id,
        user_name,
        manager_id,
        user_role_id,
        title,
        department,
        is_active,
        start_date
    from {{ ref('stg_salesforce__users') }}

),

roles as (

    select
        user_role_id,
        role_name
    from {{ ref('stg_salesforce__user_roles') }}

),

territory_memberships as (

    select
        user_id,
        cast(count(distinct territory_id) as {{ dbt.type_int() }}) as territory_count
    from {{ ref('stg_salesforce__user_territory_associations') }}
    where is_active
    group by user_id

),

final as (

    select
        users.user_id as rep_id,
        users.user_name as rep_name,
        users.manager_id,
        managers.user_name as manager_name,
        users.user_role_id,
        roles.role_name,
        users.title,
        users.department,
        users.is_active,
        users.start_date,
        -- A period starting on or after this date is ramped (var ramp_months).
        cast({{ dbt.dateadd('month', var('ramp_months'), 'users.start_date') }} as date) as ramped_from_date,
        coalesce(territory_memberships.territory_count, 0) as territory_count
    from users
    left join users as managers
        on users.manager_id = managers.user_id
    left join roles
        on users.user_role_id = roles.user_role_id
    left join territory_memberships
        on users.user_id = territory_memberships.user_id

)

select * from final
