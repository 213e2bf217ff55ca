with

stock_items as (

    select * from {{ ref('stg_linnworks__stock_items') }}

),

stock_item_details as (

    select * from {{ ref('stg_linnworks__stock_item_details') }}

),

item_suppliers as (

    select * from {{ ref('stg_linnworks__stock_item_suppliers') }}

),

default_suppliers as (

    select
        stock_item_id,
        min(supplier_name) as default_supplier_name

    from item_suppliers
    where is_default
    group by stock_item_id

),

final as (

    select
        stock_items.stock_item_id,
        stock_items.stock_item_int_id,
        stock_items.sku,
        stock_items.title,
        stock_items.barcode,
        stock_items.description,
        stock_items.category_id,
        stock_items.category_name,
        stock_items.postal_service_id,
        stock_items.postal_service_name,
        stock_items.package_group_id,
        stock_items.package_group_name,
        default_suppliers.default_supplier_name,
        stock_items.retail_price,
        stock_items.purchase_price,
        stock_items.tax_rate,
        stock_items.weight,
        stock_items.height,
        stock_items.width,
        stock_items.depth,
        stock_items.inventory_tracking_type,
        stock_item_details.is_composite_parent,
        stock_items.is_variation_parent,
        stock_items.is_batched,
        stock_items.is_batch_number_scan_required,
        stock_items.is_serial_number_scan_required,
        stock_items.created_at

    from stock_items
    left join stock_item_details
        on stock_items.stock_item_id = stock_item_details.stock_item_id
    left join default_suppliers
        on stock_items.stock_item_id = default_suppliers.stock_item_id

)

select * from final
