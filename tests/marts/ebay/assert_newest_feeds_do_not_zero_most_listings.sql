-- Assert that no supplier's newest feed sets more than `max_zeroed_listing_share` of its stocked listings to 0.
{#-
    A broken feed usually looks like "everything out of stock". Warns by default; fails the build (and so
    blocks the eBay Revise export) with var fail_on_mass_zeroing=true or env ELT_FAIL_ON_MASS_ZEROING=true.
-#}
{{ config(
    severity=('error' if var('fail_on_mass_zeroing', env_var('ELT_FAIL_ON_MASS_ZEROING', 'false')) | string | lower == 'true' else 'warn')
) }}

with

ebay as (

    select * from {{ ref('ebay') }}

),

newest_dates as (

    select
        supplier_store,
        max(stock_date) as newest_stock_date

    from ebay
    group by supplier_store

),

stocked_before as (

    select
        ebay.supplier_store,
        count(*) as listings_stocked_before,
        count(case when ebay.quantity = 0 then 1 end) as listings_zeroed

    from ebay
    inner join newest_dates
        on ebay.supplier_store = newest_dates.supplier_store
            and ebay.stock_date = newest_dates.newest_stock_date
    where ebay.previous_quantity > 0
    group by ebay.supplier_store

)

select
    supplier_store,
    listings_stocked_before,
    listings_zeroed

from stocked_before
where listings_stocked_before >= {{ var('min_listings_to_judge_zeroing', 10) }}
    and listings_zeroed > {{ var('max_zeroed_listing_share', 0.5) }} * listings_stocked_before
