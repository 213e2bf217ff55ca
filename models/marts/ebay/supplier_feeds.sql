{#-
    Incremental: a build redoes the feed dates loaded since the last one (every date when the product master
    was loaded since); dates out of the retention window go, as in the stock history.
-#}
{{ config(incremental_by_feed_date(cluster_by=['supplier'])) }}

{%- set rebuild_all_when = loaded_since_this(ref('int_products__deduplicated')) %}

with

quantified as (

    select * from {{ ref('int_supplier_stock__quantified') }}
    where {{ feed_dates_to_rebuild(ref('int_supplier_stock__quantified'), rebuild_all_when) }}

),

latest_feed_rows as (

    select * from {{ ref('int_supplier_stock__latest_feed_rows') }}
    where {{ feed_dates_to_rebuild(ref('int_supplier_stock__latest_feed_rows'), rebuild_all_when) }}

),

products as (

    select * from {{ ref('int_products__deduplicated') }}

),

feed_rows as (

    select
        latest_feed_rows.supplier,
        latest_feed_rows.file_name,
        latest_feed_rows.part_number,
        latest_feed_rows.feed_row_number,
        coalesce(quantified.has_junk_stock_value, false) as has_junk_stock_value,
        coalesce(quantified.quantity, 0) > 0 as is_in_stock,
        products.custom_label is not null as is_in_product_master,
        latest_feed_rows.feed_date,
        latest_feed_rows.loaded_at

    from latest_feed_rows
    left join quantified
        on latest_feed_rows.supplier = quantified.supplier
            and latest_feed_rows.feed_date = quantified.feed_date
            and latest_feed_rows.feed_row_number = quantified.feed_row_number
    left join products
        on latest_feed_rows.supplier = products.supplier
            and latest_feed_rows.part_number = products.part_number

),

final as (

    select
        supplier,
        file_name,
        count(*) as feed_rows,
        count(case when part_number is null then 1 end) as blank_part_numbers,
        count(case when has_junk_stock_value then 1 end) as junk_stock_values,
        count(case when is_in_stock then 1 end) as parts_in_stock,
        count(case when is_in_product_master then 1 end) as parts_in_product_master,
        feed_date,
        cast(max(loaded_at) as {{ dbt.type_timestamp() }}) as loaded_at

    from feed_rows
    group by supplier, file_name, feed_date

)

select * from final
