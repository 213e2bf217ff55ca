{#-
    Linnworks stock per SKU, summed over every stock location: one row per SKU as matched against eBay custom
    labels (normalize_part_number: trimmed, upper case). Items without stock level rows count 0. Should two
    items' SKUs differ only in case or spaces, they are one row (stock_item_count says how many).
-#}
with

stock_items as (

    select * from {{ ref('stg_linnworks__stock_items') }}

),

stock_levels as (

    select * from {{ ref('stg_linnworks__stock_levels') }}

),

levels_by_item as (

    select
        stock_item_id,
        sum(stock_level) as stock_level,
        sum(available) as available,
        sum(in_orders) as in_orders,
        sum(due) as due,
        sum(stock_value) as stock_value

    from stock_levels
    group by stock_item_id

),

final as (

    select
        {{ normalize_part_number('stock_items.sku') }} as sku,
        min(stock_items.stock_item_id) as stock_item_id,
        min(stock_items.title) as title,
        count(*) as stock_item_count,
        cast(coalesce(sum(levels_by_item.stock_level), 0) as {{ dbt.type_bigint() }}) as stock_level,
        cast(coalesce(sum(levels_by_item.available), 0) as {{ dbt.type_bigint() }}) as available,
        cast(coalesce(sum(levels_by_item.in_orders), 0) as {{ dbt.type_bigint() }}) as in_orders,
        cast(coalesce(sum(levels_by_item.due), 0) as {{ dbt.type_bigint() }}) as due,
        coalesce(sum(levels_by_item.stock_value), 0) as stock_value

    from stock_items
    left join levels_by_item
        on stock_items.stock_item_id = levels_by_item.stock_item_id
    where {{ normalize_part_number('stock_items.sku') }} is not null
    group by {{ normalize_part_number('stock_items.sku') }}

)

select * from final
