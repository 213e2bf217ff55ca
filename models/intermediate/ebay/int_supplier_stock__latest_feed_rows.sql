{#-
    The rows of the feed that counts for each supplier and day (the last one loaded), with its quantity rule.
    Feed dates within the window: the last supplier_stock_retention_days days counted back from today, up to
    feed_date_days_ahead days ahead (macro in_feed_date_window).
    Incremental: a build redoes only the feed dates loaded since the last one (a reload replaces its date).
-#}
{{ config(incremental_by_feed_date()) }}

with

stock_feed_rows as (

    select * from {{ ref('stg_supplier_stock__stock_feed_rows') }}
    where {{ feed_dates_to_rebuild(ref('stg_supplier_stock__stock_feed_rows')) }}
        and {{ in_feed_date_window() }}

),

suppliers as (

    select * from {{ ref('suppliers') }}

),

feed_files as (

    select distinct
        supplier,
        feed_date,
        file_name,
        load_id,
        loaded_at

    from stock_feed_rows

),

ranked_files as (

    select
        supplier,
        feed_date,
        file_name,
        load_id,
        loaded_at,
        row_number() over (
            partition by supplier, feed_date
            order by loaded_at desc, load_id desc, file_name desc
        ) as file_rank

    from feed_files

),

final as (

    select
        stock_feed_rows.supplier,
        stock_feed_rows.part_number,
        stock_feed_rows.stock_value,
        stock_feed_rows.file_name,
        suppliers.quantity_rule,
        suppliers.in_stock_value,
        coalesce(suppliers.in_stock_any_case, false) as in_stock_any_case,
        stock_feed_rows.feed_row_number,
        suppliers.in_stock_quantity,
        suppliers.quantity_cap,
        stock_feed_rows.feed_date,
        stock_feed_rows.loaded_at

    from stock_feed_rows
    inner join ranked_files
        on stock_feed_rows.supplier = ranked_files.supplier
            and stock_feed_rows.feed_date = ranked_files.feed_date
            and stock_feed_rows.file_name = ranked_files.file_name
            and stock_feed_rows.load_id = ranked_files.load_id
            and ranked_files.file_rank = 1
    inner join suppliers
        on stock_feed_rows.supplier = suppliers.supplier

)

select * from final
