{#- BigQuery: a partition per processed day, clustered by SKU, as sales reports read date ranges per product. -#}
{{ config(storage_options(
    partition_by={'field': 'processed_date', 'data_type': 'date', 'granularity': 'day'},
    cluster_by=['sku'],
)) }}

with

order_items as (

    select * from {{ ref('int_linnworks__order_items_exploded') }}

),

final as (

    select
        order_item_id,
        order_id,
        kit_order_item_id,
        stock_item_id,
        kit_stock_item_id,
        sku,
        kit_sku,
        channel_sku,
        title,
        source,
        sub_source,
        currency,
        quantity,
        price_per_unit,
        discount_value,
        unit_price,
        line_total,
        unit_cost,
        is_kit_component,
        is_price_allocated,
        is_unlinked,
        is_cancelled,
        processed_date,
        processed_at

    from order_items

)

select * from final
