-- Assert that every product landed has exactly one row in product_availability, whose availability is a stock
-- level the API uses or an explicit UNKNOWN (never null, never lost in the join).
with

products as (

    select * from {{ ref('stg_badapi__products') }}

),

product_availability as (

    select * from {{ ref('product_availability') }}

),

rows_per_product as (

    select
        products.product_id,
        count(product_availability.product_id) as mart_rows,
        max(product_availability.availability) as availability

    from products
    left join product_availability
        on products.product_id = product_availability.product_id
    group by products.product_id

)

select *
from rows_per_product
where
    mart_rows != 1
    or availability is null
    or availability not in ('INSTOCK', 'LESSTHAN10', 'OUTOFSTOCK', 'UNKNOWN')
