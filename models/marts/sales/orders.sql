{#- BigQuery: a partition per processed day, clustered by channel, as sales reports read date ranges. -#}
{{ config(storage_options(
    partition_by={'field': 'processed_date', 'data_type': 'date', 'granularity': 'day'},
    cluster_by=['source'],
)) }}

with

processed_orders as (

    select * from {{ ref('stg_linnworks__processed_orders') }}

),

order_details as (

    select * from {{ ref('stg_linnworks__order_details') }}

),

order_items as (

    select * from {{ ref('stg_linnworks__order_items') }}

),

lines_by_order as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as unit_count

    from order_items
    group by order_id

),

final as (

    select
        processed_orders.order_id,
        processed_orders.order_number,
        order_details.location_id,
        processed_orders.location_name,
        processed_orders.reference_number,
        processed_orders.secondary_reference,
        processed_orders.external_reference,
        processed_orders.source,
        processed_orders.sub_source,
        processed_orders.account_name,
        processed_orders.channel_buyer_name,
        processed_orders.country,
        processed_orders.currency,
        order_details.payment_method,
        processed_orders.postal_service_name,
        processed_orders.postal_service_code,
        processed_orders.shipping_vendor,
        processed_orders.tracking_number,
        processed_orders.package_category,
        processed_orders.status,
        cast(coalesce(lines_by_order.line_count, 0) as {{ dbt.type_bigint() }}) as line_count,
        cast(coalesce(lines_by_order.unit_count, 0) as {{ dbt.type_bigint() }}) as unit_count,
        processed_orders.subtotal,
        processed_orders.postage_cost,
        processed_orders.postage_cost_ex_tax,
        processed_orders.tax,
        processed_orders.total_discount,
        processed_orders.total_charge,
        processed_orders.profit_margin,
        processed_orders.country_tax_rate,
        order_details.conversion_rate,
        processed_orders.item_weight,
        processed_orders.total_weight,
        processed_orders.processing_days,
        processed_orders.cancelled_at is not null as is_cancelled,
        processed_orders.is_hold_or_cancel,
        processed_orders.is_resend,
        processed_orders.is_exchange,
        cast(processed_orders.processed_at as date) as processed_date,
        processed_orders.received_at,
        processed_orders.paid_at,
        order_details.despatch_by_at,
        processed_orders.processed_at,
        processed_orders.cancelled_at

    from processed_orders
    left join order_details
        on processed_orders.order_id = order_details.order_id
    left join lines_by_order
        on processed_orders.order_id = lines_by_order.order_id

)

select * from final
