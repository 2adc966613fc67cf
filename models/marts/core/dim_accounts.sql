-- One row per live account (newest version, deleted accounts already gone in staging), with
-- its owner and the number of territories it is assigned to.
with

accounts as (

    select
        account_id,
        account_name,
        owner_id,
        industry,
        account_type,
        annual_revenue,
        number_of_employees,
        billing_country,
        billing_state,
        created_at
    from {{ ref('stg_salesforce__accounts') }}

),

users as (

    select
        user_id,
        user_name
    from {{ ref('stg_salesforce__users') }}

),

account_territories as (

    select
        account_id,
        territory_id
    from {{ ref('bridge_account_territories') }}

),

territory_counts as (

    select
        account_id,
        count(distinct territory_id) as territory_count
    from account_territories
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.owner_id,
        users.user_name as owner_name,
        accounts.industry,
        accounts.account_type,
        accounts.annual_revenue,
        accounts.number_of_employees,
        accounts.billing_country,
        accounts.billing_state,
        accounts.created_at,
        cast(accounts.created_at as date) as created_date,
        cast(coalesce(territory_counts.territory_count, 0) as {{ dbt.type_int() }}) as territory_count
    from accounts
    left join users
        on accounts.owner_id = users.user_id
    left join territory_counts
        on accounts.account_id = territory_counts.account_id

)

select * from final
