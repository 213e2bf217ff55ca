with

products as (

    select * from {{ ref('stg_badapi__products') }}

),

product_colors as (

    select * from {{ ref('stg_badapi__product_colors') }}

),

availability as (

    select * from {{ ref('stg_badapi__availability') }}

),

checks as (

    select * from {{ ref('stg_badapi__checks') }}

),

colours as (

    select
        product_row_id,
        {{ dbt.listagg('colour', "', '", 'order by colour_position') }} as colours

    from product_colors
    group by product_row_id

),

availability_checks as (

    {#- The last time each manufacturer's availability was confirmed: landed (200) or unchanged (304). -#}
    select
        subject as manufacturer,
        max(checked_at) as last_checked_at

    from checks
    where endpoint = 'availability' and outcome in ('changed', 'not_modified')
    group by subject

),

final as (

    select
        products.product_id,
        products.category,
        products.product_name,
        colours.colours,
        products.manufacturer,
        coalesce(availability.in_stock_value, 'UNKNOWN') as availability,
        products.price,
        coalesce(availability_checks.last_checked_at, availability.fetched_at, products.fetched_at) as refreshed_at

    from products
    left join colours
        on products.product_row_id = colours.product_row_id
    left join availability
        on products.product_id = availability.product_id
    left join availability_checks
        on products.manufacturer = availability_checks.manufacturer

)

select * from final
