with

images as (

    select * from {{ ref('stg_linnworks__stock_item_images') }}

),

final as (

    select
        image_id,
        stock_item_id,
        image_url,
        thumbnail_url,
        checksum,
        sort_order,
        is_main

    from images

)

select * from final
