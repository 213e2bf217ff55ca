-- Assert that inventory_positions loses no Linnworks stock: its stock_level and available add up to those of
-- stock_levels over every item and location.
with

stock_levels as (

    select * from {{ ref('stock_levels') }}

),

inventory_positions as (

    select * from {{ ref('inventory_positions') }}

),

linnworks_totals as (

    select
        coalesce(sum(stock_level), 0) as stock_level,
        coalesce(sum(available), 0) as available

    from stock_levels

),

position_totals as (

    select
        coalesce(sum(stock_level), 0) as stock_level,
        coalesce(sum(available), 0) as available

    from inventory_positions

)

select
    linnworks_totals.stock_level as linnworks_stock_level,
    position_totals.stock_level as positions_stock_level,
    linnworks_totals.available as linnworks_available,
    position_totals.available as positions_available

from linnworks_totals
cross join position_totals
where linnworks_totals.stock_level <> position_totals.stock_level
    or linnworks_totals.available <> position_totals.available
