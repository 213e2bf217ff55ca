{#-
    Supplier stock per (supplier, custom_label, feed_date), for the last `supplier_stock_retention_days` days
    counted back from the newest feed date. Feed part numbers map to custom labels through the product master on
    supplier AND part number; when several of a supplier's parts share a custom label, the largest quantity counts.
-#}
{#- BigQuery: a partition per feed date, expiring with the retention window; clustered by supplier. -#}
{{ config(storage_options(
    partition_by={'field': 'feed_date', 'data_type': 'date', 'granularity': 'day'},
    cluster_by=['supplier'],
    partition_expiration_days=var('supplier_stock_retention_days'),
)) }}

with

quantified as (

    select * from {{ ref('int_supplier_stock__quantified') }}

),

products as (

    select * from {{ ref('int_products__deduplicated') }}

),

rtg_quantified as (

    select * from {{ ref('int_supplier_stock__rtg_quantified') }}

),

mapped as (

    select
        quantified.supplier,
        products.custom_label,
        max(quantified.quantity) as quantity,
        quantified.feed_date

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

    select supplier, custom_label, quantity, feed_date from mapped
    union all
    select supplier, custom_label, quantity, feed_date from rtg_quantified

),

newest as (

    select max(feed_date) as newest_feed_date from unioned

),

final as (

    select
        unioned.supplier,
        unioned.custom_label,
        unioned.quantity,
        unioned.feed_date

    from unioned
    cross join newest
    where unioned.feed_date > {{ dbt.dateadd('day', -1 * var('supplier_stock_retention_days'), 'newest.newest_feed_date') }}

)

select * from final
