{#-
    One row per supplier in the suppliers seed: its newest feed in the retention window, how old that feed is,
    whether that is older than the supplier's expected cadence (stale), and whether the stale policy says its
    listings go to 0 now. A supplier with no feed in the window is stale with no age.
-#}
with

suppliers as (

    select * from {{ ref('suppliers') }}

),

stale_supplier_policy as (

    select * from {{ ref('stale_supplier_policy') }}

),

supplier_feeds as (

    select * from {{ ref('supplier_feeds') }}

),

newest_feeds as (

    select
        supplier,
        max(feed_date) as newest_feed_date

    from supplier_feeds
    group by supplier

),

policies as (

    select
        suppliers.supplier,
        suppliers.expected_cadence_days,
        coalesce(own_policy.policy, default_policy.policy, 'keep') as stale_policy,
        case
            when own_policy.policy is not null then own_policy.zero_after_days
            else default_policy.zero_after_days
        end as zero_after_days

    from suppliers
    left join stale_supplier_policy as own_policy
        on suppliers.supplier = own_policy.supplier
    left join stale_supplier_policy as default_policy
        on default_policy.supplier is null

),

dated as (

    select
        policies.supplier,
        policies.stale_policy,
        policies.expected_cadence_days,
        policies.zero_after_days,
        newest_feeds.newest_feed_date,
        {{ stale_as_of() }} as as_of_date

    from policies
    left join newest_feeds
        on policies.supplier = newest_feeds.supplier

),

aged as (

    select
        *,
        {{ dbt.datediff('newest_feed_date', 'as_of_date', 'day') }} as feed_age_days  -- noqa: LT05

    from dated

),

final as (

    select
        supplier,
        stale_policy,
        expected_cadence_days,
        zero_after_days,
        feed_age_days,
        coalesce(feed_age_days > expected_cadence_days, true) as is_stale,
        coalesce(feed_age_days > expected_cadence_days, true)
        and stale_policy = 'zero'
        and coalesce(feed_age_days > zero_after_days, true) as is_stale_to_zero,
        newest_feed_date,
        as_of_date

    from aged

)

select * from final
