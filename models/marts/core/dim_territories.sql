-- One row per territory (Territory2), with its parent and its current number of reps
-- (active memberships) and accounts.
with

territories as (

    select
        territory_id,
        territory_name,
        parent_territory_id,
        territory_type_id
    from {{ ref('stg_salesforce__territories') }}

),

rep_territories as (

    select
        rep_id,
        territory_id
    from {{ ref('bridge_rep_territories') }}

),

account_territories as (

    select
        account_id,
        territory_id
    from {{ ref('bridge_account_territories') }}

),

rep_counts as (

    select
        territory_id,
        count(distinct rep_id) as rep_count
    from rep_territories
    group by territory_id

),

account_counts as (

    select
        territory_id,
        count(distinct account_id) as account_count
    from account_territories
    group by territory_id

),

final as (

    select
        territories.territory_id,
        territories.territory_name,
        territories.parent_territory_id,
        parents.territory_name as parent_territory_name,
        territories.territory_type_id,
        cast(coalesce(rep_counts.rep_count, 0) as {{ dbt.type_int() }}) as rep_count,
        cast(coalesce(account_counts.account_count, 0) as {{ dbt.type_int() }}) as account_count
    from territories
    left join territories as parents
        on territories.parent_territory_id = parents.territory_id
    left join rep_counts
        on territories.territory_id = rep_counts.territory_id
    left join account_counts
        on territories.territory_id = account_counts.territory_id

)

select * from final
