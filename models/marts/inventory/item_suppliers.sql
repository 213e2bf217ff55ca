with

item_suppliers as (

    select * from {{ ref('stg_linnworks__stock_item_suppliers') }}

),

stock_items as (

    select * from {{ ref('stg_linnworks__stock_items') }}

),

final as (

    select
        item_suppliers.stock_item_id,
        item_suppliers.supplier_id,
        stock_items.sku,
        item_suppliers.supplier_name,
        item_suppliers.supplier_code,
        item_suppliers.supplier_barcode,
        item_suppliers.currency,
        item_suppliers.purchase_price,
        item_suppliers.min_price,
        item_suppliers.max_price,
        item_suppliers.average_price,
        item_suppliers.lead_time_days,
        item_suppliers.average_lead_time_days,
        item_suppliers.min_order_quantity,
        item_suppliers.pack_size,
        item_suppliers.is_default

    from item_suppliers
    left join stock_items
        on item_suppliers.stock_item_id = stock_items.stock_item_id

)

select * from final
