{#-
    Units sold per SKU (kits counted as their components) in the 7 and 30 days up to the sales date: the var
    `linnworks_sales_as_of_date` when set (YYYY-MM-DD), else the newest processed date in the orders, so the
    windows stay put when a load is late and are reproducible. A window of N days is the as-of date and the
    N - 1 days before it. Lines of cancelled orders and lines not linked to a stock item are left out.
    One row per SKU sold at least once (normalised as eBay custom labels are matched).
-#}
{%- set as_of_date = var('linnworks_sales_as_of_date', none) %}
with

order_items as (

    select * from {{ ref('int_linnworks__order_items_exploded') }}

),

sold as (

    select
        {{ normalize_part_number('sku') }} as sku,
        quantity,
        processed_date

    from order_items
    where not is_cancelled
        and {{ normalize_part_number('sku') }} is not null
        and processed_date is not null

),

as_of as (

    {% if as_of_date -%}
        select cast('{{ as_of_date }}' as date) as sales_as_of_date
    {%- else -%}
        select max(processed_date) as sales_as_of_date from sold
    {%- endif %}

),

dated as (

    select
        sold.sku,
        sold.quantity,
        sold.processed_date,
        as_of.sales_as_of_date,
        {{ dbt.datediff('sold.processed_date', 'as_of.sales_as_of_date', 'day') }}
            as days_before

    from sold
    cross join as_of

),

final as (

    select
        sku,
        cast(sum(case when days_before between 0 and 6 then quantity else 0 end) as {{ dbt.type_bigint() }})
            as units_sold_7d,
        cast(sum(case when days_before between 0 and 29 then quantity else 0 end) as {{ dbt.type_bigint() }})
            as units_sold_30d,
        max(processed_date) as last_sold_date,
        max(sales_as_of_date) as sales_as_of_date

    from dated
    group by sku

)

select * from final
