{#-
    Supplier stock per (supplier, custom_label, feed_date), for the last `supplier_stock_retention_days` days
    counted back from today (dates more than `feed_date_days_ahead` days ahead are ignored). Feed part numbers
    map to custom labels through the product master on supplier AND part number; when several of a supplier's
    parts share a custom label, the largest quantity counts.

    Incremental: a build redoes the feed dates loaded since the last one; every date when the product master or
    the RTG store's listings were loaded since (they change what a date maps to). Dates outside the window
    are deleted after each build. BigQuery: a partition per feed date, expiring with the retention window
    (which partition expiry also counts from today); clustered by supplier.
-#}
{{ config(incremental_by_feed_date(
    cluster_by=['supplier'], partition_expiration_days=var('supplier_stock_retention_days')
)) }}

{%- set rebuild_all_when -%}
    {{ loaded_since_this(ref('int_products__deduplicated')) }}
    or {{ loaded_since_this(ref('int_store_listings__assigned'), "ebay_store = '" ~ var('rtg_store') ~ "'") }}
{%- endset %}

with

quantified as (

    select * from {{ ref('int_supplier_stock__quantified') }}
    where {{ feed_dates_to_rebuild(ref('int_supplier_stock__quantified'), rebuild_all_when) }}

),

products as (

    select * from {{ ref('int_products__deduplicated') }}

),

rtg_quantified as (

    select * from {{ ref('int_supplier_stock__rtg_quantified') }}
    where {{ feed_dates_to_rebuild(ref('int_supplier_stock__rtg_quantified'), rebuild_all_when) }}

),

mapped as (

    select
        quantified.supplier,
        products.custom_label,
        max(quantified.quantity) as quantity,
        quantified.feed_date,
        max(quantified.loaded_at) as loaded_at

    from quantified
    inner join products
        on quantified.supplier = products.supplier
            and quantified.part_number = products.part_number
    group by
        quantified.supplier,
        products.custom_label,
        quantified.feed_date

),

unioned as (

    select
        supplier,
        custom_label,
        quantity,
        feed_date,
        loaded_at
    from mapped
    union all
    select
        supplier,
        custom_label,
        quantity,
        feed_date,
        loaded_at
    from rtg_quantified

),

final as (

    select
        supplier,
        custom_label,
        quantity,
        feed_date,
        loaded_at

    from unioned
    where {{ in_feed_date_window() }}

)

select * from final
