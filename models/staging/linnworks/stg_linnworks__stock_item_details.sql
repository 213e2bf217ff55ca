with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_item_details', linnworks_columns({
        'stock_item_id':               'string',
        'stock_item_int_id':           'bigint',
        'item_number':                 'string',
        'item_title':                  'string',
        'barcode_number':              'string',
        'meta_data':                   'string',
        'category_id':                 'string',
        'category_name':               'string',
        'postal_service_id':           'string',
        'postal_service_name':         'string',
        'package_group_id':            'string',
        'purchase_price':              'double',
        'retail_price':                'double',
        'tax_rate':                    'double',
        'weight':                      'double',
        'height':                      'double',
        'width':                       'double',
        'depth':                       'double',
        'inventory_tracking_type':     'bigint',
        'is_composite_parent':         'boolean',
        'is_batched_stock_type':       'boolean',
        'batch_number_scan_required':  'boolean',
        'serial_number_scan_required': 'boolean',
        'creation_date':               'timestamp',
        '_dlt_load_id':                'string',
        '_dlt_id':                     'string',
    })) }}

),

renamed as (

    select
        stock_item_id,
        stock_item_int_id,
        item_number as sku,
        item_title as title,
        nullif(trim(barcode_number), '') as barcode,
        nullif(trim(meta_data), '') as description,
        {{ linnworks_nullif_zero_guid('category_id') }} as category_id,
        category_name,
        {{ linnworks_nullif_zero_guid('postal_service_id') }} as postal_service_id,
        nullif(trim(postal_service_name), '') as postal_service_name,
        {{ linnworks_nullif_zero_guid('package_group_id') }} as package_group_id,
        purchase_price,
        retail_price,
        tax_rate,
        weight,
        height,
        width,
        depth,
        inventory_tracking_type,
        is_composite_parent,
        is_batched_stock_type as is_batched,
        batch_number_scan_required as is_batch_number_scan_required,
        serial_number_scan_required as is_serial_number_scan_required,
        {{ linnworks_timestamp('creation_date') }} as created_at,
        _dlt_load_id as load_id,
        _dlt_id as dlt_id

    from source

)

select * from renamed
