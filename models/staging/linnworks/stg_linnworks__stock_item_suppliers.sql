with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_items__suppliers', linnworks_columns({
        'stock_item_id':          'string',
        'supplier_id':            'string',
        'stock_item_int_id':      'bigint',
        'supplier':               'string',
        'code':                   'string',
        'supplier_barcode':       'string',
        'supplier_currency':      'string',
        'lead_time':              'bigint',
        'supplier_min_order_qty': 'bigint',
        'supplier_pack_size':     'bigint',
        'purchase_price':         'double',
        'min_price':              'double',
        'max_price':              'double',
        'average_price':          'double',
        'average_lead_time':      'double',
        'is_default':             'boolean',
        '_dlt_id':                'string',
        '_dlt_parent_id':         'string',
        '_dlt_list_idx':          'bigint',
    })) }}

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
