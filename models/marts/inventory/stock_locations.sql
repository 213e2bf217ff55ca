with

stock_locations as (

    select * from {{ ref('stg_linnworks__stock_locations') }}

),

final as (

    select
        location_id,
        location_int_id,
        location_name,
        location_tag,
        address1,
        address2,
        city,
        county,
        country,
        zip_code,
        is_fulfillment_center,
        is_warehouse_managed,
        is_not_trackable,
        is_counted_in_order_until_acknowledged,
        is_stock_deducted_when_processed

    from stock_locations

)

select * from final
