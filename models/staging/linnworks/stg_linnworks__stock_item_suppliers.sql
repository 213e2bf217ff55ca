with

source as (

    select * from {{ linnworks_stock_item_list('suppliers', {
        'stock_item_id':          ['StockItemId', 'string'],
        'supplier_id':            ['SupplierID', 'string'],
        'stock_item_int_id':      ['StockItemIntId', 'bigint'],
        'supplier':               ['Supplier', 'string'],
        'code':                   ['Code', 'string'],
        'supplier_barcode':       ['SupplierBarcode', 'string'],
        'supplier_currency':      ['SupplierCurrency', 'string'],
        'lead_time':              ['LeadTime', 'bigint'],
        'supplier_min_order_qty': ['SupplierMinOrderQty', 'bigint'],
        'supplier_pack_size':     ['SupplierPackSize', 'bigint'],
        'purchase_price':         ['PurchasePrice', 'double'],
        'min_price':              ['MinPrice', 'double'],
        'max_price':              ['MaxPrice', 'double'],
        'average_price':          ['AveragePrice', 'double'],
        'average_lead_time':      ['AverageLeadTime', 'double'],
        'is_default':             ['IsDefault', 'boolean'],
    }) }}

),

renamed as (

    select
        stock_item_id,
        supplier_id,
        stock_item_int_id,
        supplier as supplier_name,
        nullif(trim(code), '') as supplier_code,
        nullif(trim(supplier_barcode), '') as supplier_barcode,
        nullif(trim(supplier_currency), '') as currency,
        lead_time as lead_time_days,
        supplier_min_order_qty as min_order_quantity,
        supplier_pack_size as pack_size,
        purchase_price,
        min_price,
        max_price,
        average_price,
        average_lead_time as average_lead_time_days,
        is_default,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
