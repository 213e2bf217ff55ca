{#- BigQuery: clustered by store, as the Revise export and store reports read one store at a time. -#}
{{ config(storage_options(cluster_by=['ebay_store'])) }}

with

store_listings as (

    select * from {{ ref('int_store_listings__assigned') }}

),

supplier_stock as (

    select * from {{ ref('int_supplier_stock__ranked') }}

),

supplier_freshness as (

    select * from {{ ref('supplier_freshness') }}

),

final as (

    select
        store_listings.item_id,
        store_listings.ebay_store,
        store_listings.custom_label,
        store_listings.supplier as supplier_store,
        store_listings.title,
        supplier_stock.quantity,
        supplier_stock.previous_quantity,
        supplier_stock.quantity - coalesce(supplier_stock.previous_quantity, 0) as quantity_delta,
        supplier_freshness.feed_age_days as supplier_feed_age_days,
        coalesce(supplier_freshness.is_stale, false) as is_stale,
        coalesce(supplier_freshness.is_stale_to_zero, false) as is_stale_to_zero,
        supplier_stock.stock_date,
        supplier_stock.previous_stock_date

    from store_listings
    inner join supplier_stock
        on store_listings.supplier = supplier_stock.supplier
            and store_listings.custom_label = supplier_stock.custom_label
    left join supplier_freshness
        on store_listings.supplier = supplier_freshness.supplier
    where store_listings.item_id is not null

)

select * from final
