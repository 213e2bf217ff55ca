with

stock_levels as (

    select * from {{ ref('stg_linnworks__stock_levels') }}

),

final as (

    select
        stock_item_id,
        location_id,
        stock_item_int_id,
        location_int_id,
        sku,
        location_name,
        location_tag,
        bin_rack,
        last_update_operation,
        stock_level,
        available,
        in_orders,
        in_order_book,
        due,
        minimum_level,
        stock_value,
        unit_cost,
        is_jit,
        is_auto_adjust,
        is_pending_update,
        is_fulfillment_center,
        last_updated_at

    from stock_levels

)

select * from final
