-- Assert that every eBay listing's quantity is the newest history quantity of its supplier and custom label.
with

ebay as (

    select * from {{ ref('ebay') }}

),

history as (

    select * from {{ ref('int_supplier_stock__history') }}

)

select
    ebay.ebay_store,
    ebay.item_id,
    ebay.quantity,
    history.quantity as history_quantity

from ebay
left join history
    on ebay.supplier_store = history.supplier
        and ebay.custom_label = history.custom_label
        and ebay.stock_date = history.feed_date
where history.quantity is null
    or history.quantity <> ebay.quantity
