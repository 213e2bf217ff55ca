{#-
    RTG's feed lists the custom labels that are OUT of stock. For each RTG feed date, every custom label that
    the RTG store lists with supplier RTG gets 0 when the feed lists it, else the in-stock quantity (20).
    A view: the history model reads it for the feed dates it rebuilds.
-#}
{{ config(materialized='view') }}

with

latest_feed_rows as (

    select * from {{ ref('int_supplier_stock__latest_feed_rows') }}

),

store_listings as (

    select * from {{ ref('int_store_listings__assigned') }}

),

rtg_rows as (

    select * from latest_feed_rows
    where quantity_rule = 'inverted_list'

),

rtg_feeds as (

    select
        supplier,
        in_stock_quantity,
        feed_date,
        max(loaded_at) as loaded_at

    from rtg_rows
    group by supplier, in_stock_quantity, feed_date

),

listed_out_of_stock as (

    select distinct
        supplier,
        part_number as custom_label,
        feed_date

    from rtg_rows
    where part_number is not null

),

rtg_labels as (

    select distinct
        supplier,
        custom_label

    from store_listings
    where ebay_store = '{{ var("rtg_store") }}'
        and custom_label is not null

),

final as (

    select
        rtg_feeds.supplier,
        rtg_labels.custom_label,
        cast(
            case when listed_out_of_stock.custom_label is null then rtg_feeds.in_stock_quantity else 0 end
            as {{ dbt.type_bigint() }}
        ) as quantity,
        rtg_feeds.feed_date,
        rtg_feeds.loaded_at

    from rtg_feeds
    inner join rtg_labels
        on rtg_feeds.supplier = rtg_labels.supplier
    left join listed_out_of_stock
        on rtg_feeds.supplier = listed_out_of_stock.supplier
            and rtg_feeds.feed_date = listed_out_of_stock.feed_date
            and rtg_labels.custom_label = listed_out_of_stock.custom_label

)

select * from final
