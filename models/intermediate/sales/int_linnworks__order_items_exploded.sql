{#-
    Processed order lines with kits exploded: one row per sold SKU. A line without CompositeSubItems is one row;
    a kit line is replaced by one row per component (the kit's SKU kept as kit_sku). Linnworks puts a kit's
    money on the kit line and 0.0 on its components, so unless some component of the kit has a price of its own,
    the kit line's price and discount are shared out over its components by their cost (quantity x unit_cost),
    or by quantity when a component has no cost, so the components' line totals add up to the kit line's.
    Every row: unit_price = price_per_unit - discount_value / quantity (net of discount); line_total =
    price_per_unit x quantity - discount_value.
-#}
with

order_items as (

    select * from {{ ref('stg_linnworks__order_items') }}

),

order_item_components as (

    select * from {{ ref('stg_linnworks__order_item_components') }}

),

processed_orders as (

    select * from {{ ref('stg_linnworks__processed_orders') }}

),

kits as (

    select
        dlt_parent_id,
        max(case when price_per_unit > 0 then 1 else 0 end) = 1 as has_priced_components,
        min(coalesce(unit_cost, 0)) > 0 as has_costed_components,
        sum(quantity * unit_cost) as kit_cost,
        sum(quantity) as kit_units

    from order_item_components
    group by dlt_parent_id

),

plain_rows as (

    select
        order_items.order_item_id,
        order_items.order_id,
        cast(null as {{ dbt.type_string() }}) as kit_order_item_id,
        order_items.stock_item_id,
        cast(null as {{ dbt.type_string() }}) as kit_stock_item_id,
        order_items.sku,
        cast(null as {{ dbt.type_string() }}) as kit_sku,
        order_items.channel_sku,
        order_items.title,
        order_items.quantity,
        order_items.price_per_unit,
        coalesce(order_items.discount_value, 0) as discount_value,
        order_items.unit_cost,
        order_items.is_unlinked,
        false as is_kit_component,
        false as is_price_allocated

    from order_items
    left join kits
        on order_items.dlt_id = kits.dlt_parent_id
    where kits.dlt_parent_id is null

),

component_shares as (

    select
        order_item_components.order_item_id,
        order_items.order_id,
        order_items.order_item_id as kit_order_item_id,
        order_item_components.stock_item_id,
        order_items.stock_item_id as kit_stock_item_id,
        order_item_components.sku,
        order_items.sku as kit_sku,
        order_items.channel_sku,
        order_item_components.title,
        order_item_components.quantity,
        order_item_components.price_per_unit,
        coalesce(order_item_components.discount_value, 0) as discount_value,
        order_items.price_per_unit * order_items.quantity as kit_gross,
        coalesce(order_items.discount_value, 0) as kit_discount,
        case
            when kits.has_costed_components and kits.kit_cost > 0
                then order_item_components.quantity * order_item_components.unit_cost / kits.kit_cost
            else order_item_components.quantity / nullif(kits.kit_units, 0)
        end as kit_share,
        order_item_components.unit_cost,
        coalesce(order_item_components.is_unlinked, false) as is_unlinked,
        not kits.has_priced_components as is_price_allocated

    from order_item_components
    inner join order_items
        on order_item_components.dlt_parent_id = order_items.dlt_id
    inner join kits
        on order_item_components.dlt_parent_id = kits.dlt_parent_id

),

component_rows as (

    select
        order_item_id,
        order_id,
        kit_order_item_id,
        stock_item_id,
        kit_stock_item_id,
        sku,
        kit_sku,
        channel_sku,
        title,
        quantity,
        case
            when is_price_allocated then kit_gross * kit_share / nullif(quantity, 0)
            else price_per_unit
        end as price_per_unit,
        case when is_price_allocated then kit_discount * kit_share else discount_value end as discount_value,
        unit_cost,
        is_unlinked,
        true as is_kit_component,
        is_price_allocated

    from component_shares

),

exploded as (

    select * from plain_rows

    union all

    select * from component_rows

),

final as (

    select
        exploded.order_item_id,
        exploded.order_id,
        exploded.kit_order_item_id,
        exploded.stock_item_id,
        exploded.kit_stock_item_id,
        exploded.sku,
        exploded.kit_sku,
        exploded.channel_sku,
        exploded.title,
        processed_orders.source,
        processed_orders.sub_source,
        processed_orders.currency,
        exploded.quantity,
        exploded.price_per_unit,
        exploded.discount_value,
        exploded.price_per_unit - exploded.discount_value / nullif(exploded.quantity, 0) as unit_price,
        exploded.price_per_unit * exploded.quantity - exploded.discount_value as line_total,
        exploded.unit_cost,
        exploded.is_unlinked,
        exploded.is_kit_component,
        exploded.is_price_allocated,
        processed_orders.cancelled_at is not null as is_cancelled,
        cast(processed_orders.processed_at as date) as processed_date,
        processed_orders.processed_at

    from exploded
    inner join processed_orders
        on exploded.order_id = processed_orders.order_id

)

select * from final
