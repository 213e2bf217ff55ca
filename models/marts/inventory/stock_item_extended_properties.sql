with

extended_properties as (

    select * from {{ ref('stg_linnworks__stock_item_extended_properties') }}

),

final as (

    select
        extended_property_id,
        stock_item_id,
        property_name,
        property_value,
        property_type

    from extended_properties

)

select * from final
