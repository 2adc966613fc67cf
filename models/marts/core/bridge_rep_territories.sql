-- One row per rep x territory the rep belongs to now: active UserTerritory2Association rows
-- (IsActive missing = active, applied in staging). Several association rows for the same
-- pair count once. Memberships have no history: the current ones apply to past periods too.
with

associations as (

    select
        user_territory_association_id,
        user_id,
        territory_id,
        role_in_territory,
        is_active
    from {{ ref('stg_salesforce__user_territory_associations') }}

),

active_associations as (

    select
        user_territory_association_id,
        user_id,
        territory_id,
        role_in_territory
    from associations
    where is_active

),

memberships as (

    select
        user_id as rep_id,
        territory_id,
        min(role_in_territory) as role_in_territory,
        min(user_territory_association_id) as user_territory_association_id,
        count(*) as association_count
    from active_associations
    group by
        user_id,
        territory_id

),

final as (

    select
        cast(rep_id as {{ dbt.type_string() }}) as rep_id,
        cast(territory_id as {{ dbt.type_string() }}) as territory_id,
        cast(role_in_territory as {{ dbt.type_string() }}) as role_in_territory,
        cast(user_territory_association_id as {{ dbt.type_string() }}) as user_territory_association_id,
        cast(association_count as {{ dbt.type_int() }}) as association_count
    from memberships

)

select * from final
