-- Assert that exploding kits keeps each order's money: order_items' line totals add up, per order, to the
-- order lines' price x quantity - discount (a kit's money shared out over its components, not lost or doubled).
with

order_lines as (

    select * from {{ ref('stg_linnworks__order_items') }}

),

order_items as (

    select * from {{ ref('order_items') }}

),

line_totals as (

    select
        order_id,
        sum(price_per_unit * quantity - coalesce(discount_value, 0)) as line_total

    from order_lines
    group by order_id

),

item_totals as (

    select
        order_id,
        sum(line_total) as line_total

    from order_items
    group by order_id

)

select
    coalesce(line_totals.order_id, item_totals.order_id) as order_id,
    line_totals.line_total as order_lines_total,
    item_totals.line_total as order_items_total

from line_totals
full outer join item_totals
    on line_totals.order_id = item_totals.order_id
where line_totals.order_id is null
    or item_totals.order_id is null
    or abs(line_totals.line_total - item_totals.line_total) > 0.005
