with

open_orders as (

    select * from {{ ref('stg_linnworks__open_orders') }}

),

open_order_items as (

    select * from {{ ref('stg_linnworks__open_order_items') }}

),

lines_by_order as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as unit_count

    from open_order_items
    group by order_id

),

final as (

    select
        open_orders.order_id,
        open_orders.order_number,
        open_orders.location_id,
        open_orders.reference_number,
        open_orders.secondary_reference,
        open_orders.external_reference,
        open_orders.source,
        open_orders.sub_source,
        open_orders.channel_buyer_name,
        open_orders.customer_country as country,
        open_orders.currency,
        open_orders.payment_method,
        open_orders.postal_service_name,
        open_orders.shipping_vendor,
        open_orders.stock_allocation_type,
        open_orders.status,
        open_orders.marker,
        cast(coalesce(lines_by_order.line_count, 0) as {{ dbt.type_bigint() }}) as line_count,
        cast(coalesce(lines_by_order.unit_count, 0) as {{ dbt.type_bigint() }}) as unit_count,
        open_orders.subtotal,
        open_orders.postage_cost,
        open_orders.tax,
        open_orders.total_discount,
        open_orders.total_charge,
        open_orders.is_parked,
        open_orders.is_hold_or_cancel,
        open_orders.is_label_printed,
        open_orders.is_invoice_printed,
        open_orders.is_pick_list_printed,
        open_orders.has_scheduled_delivery,
        cast(open_orders.received_at as date) as received_date,
        open_orders.received_at,
        open_orders.paid_at,
        open_orders.despatch_by_at

    from open_orders
    left join lines_by_order
        on open_orders.order_id = lines_by_order.order_id

)

select * from final
