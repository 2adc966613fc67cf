-- One row per account x territory the account is assigned to now
-- (ObjectTerritory2Association, ObjectId = Account Id). Several association rows for the
-- same pair count once. Only live accounts: a deleted account (or an Id the Account extract
-- does not hold) is in no territory. Assignments have no history: the current ones apply to
-- past periods too.
with

associations as (

    select
        object_territory_association_id,
        account_id,
        territory_id,
        association_cause
    from {{ ref('stg_salesforce__object_territory_associations') }}

),

accounts as (

    select
        account_id
    from {{ ref('stg_salesforce__accounts') }}

),

live_associations as (

    select
        associations.object_territory_association_id,
        associations.account_id,
        associations.territory_id,
        associations.association_cause
    from associations
    inner join accounts
        on associations.account_id = accounts.account_id

),

assignments as (

    select
        account_id,
        territory_id,
        min(association_cause) as association_cause,
        min(object_territory_association_id) as object_territory_association_id,
        count(*) as association_count
    from live_associations
    group by
        account_id,
        territory_id

),

final as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(territory_id as {{ dbt.type_string() }}) as territory_id,
        cast(association_cause as {{ dbt.type_string() }}) as association_cause,
        cast(object_territory_association_id as {{ dbt.type_string() }}) as object_territory_association_id,
        cast(association_count as {{ dbt.type_int() }}) as association_count
    from assignments

)

select * from final
