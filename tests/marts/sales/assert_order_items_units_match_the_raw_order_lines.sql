-- Assert that the units sold per SKU in order_items equal those of the raw order lines with kits exploded:
-- a line with CompositeSubItems counts its components' units, any other line its own (raw_linnworks, as landed).
with

raw_lines as (

    select * from {{ source_or_empty('linnworks', 'order_details__items', linnworks_columns({
        '_dlt_id': 'string',
        'sku': 'string',
        'quantity': 'bigint',
    })) }}

),

raw_components as (

    select * from {{ source_or_empty('linnworks', 'order_details__items__composite_sub_items', linnworks_columns({
        '_dlt_parent_id': 'string',
        'sku': 'string',
        'quantity': 'bigint',
    })) }}

),

order_items as (

    select * from {{ ref('order_items') }}

),

raw_units as (

    select
        coalesce(raw_lines.sku, '(unlinked)') as sku,
        raw_lines.quantity

    from raw_lines
    where
        not exists (
            select 1
            from raw_components
            where raw_components._dlt_parent_id = raw_lines._dlt_id
        )

    union all

    select
        coalesce(raw_components.sku, '(unlinked)') as sku,
        raw_components.quantity

    from raw_components
    inner join raw_lines
        on raw_components._dlt_parent_id = raw_lines._dlt_id

),

raw_totals as (

    select
        sku,
        sum(quantity) as units

    from raw_units
    group by sku

),

mart_totals as (

    select
        coalesce(sku, '(unlinked)') as sku,
        sum(quantity) as units

    from order_items
    group by coalesce(sku, '(unlinked)')

)

select
    coalesce(raw_totals.sku, mart_totals.sku) as sku,
    raw_totals.units as raw_units,
    mart_totals.units as order_items_units

from raw_totals
full outer join mart_totals
    on raw_totals.sku = mart_totals.sku
where raw_totals.units is null
    or mart_totals.units is null
    or raw_totals.units <> mart_totals.units
