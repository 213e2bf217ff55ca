with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_levels', linnworks_columns({
        'stock_item_id':                   'string',
        'location__stock_location_id':     'string',
        'rowid':                           'string',
        'stock_item_int_id':               'bigint',
        'location__stock_location_int_id': 'bigint',
        'sku':                             'string',
        'location__location_name':         'string',
        'location__location_tag':          'string',
        'location__bin_rack':              'string',
        'last_update_operation':           'string',
        'stock_level':                     'bigint',
        'available':                       'bigint',
        'in_orders':                       'bigint',
        'in_order_book':                   'bigint',
        'due':                             'bigint',
        'minimum_level':                   'bigint',
        'stock_value':                     'double',
        'unit_cost':                       'double',
        'stock_item_purchase_price':       'double',
        'jit':                             'boolean',
        'auto_adjust':                     'boolean',
        'pending_update':                  'boolean',
        'location__is_fulfillment_center': 'boolean',
        'location__is_warehouse_managed':  'boolean',
        'last_update_date':                'timestamp',
        '_dlt_load_id':                    'string',
        '_dlt_id':                         'string',
    })) }}

),

renamed as (

    select
        stock_item_id,
        location__stock_location_id as location_id,
        rowid as stock_level_id,
        stock_item_int_id,
        location__stock_location_int_id as location_int_id,
        sku,
        location__location_name as location_name,
        nullif(trim(location__location_tag), '') as location_tag,
        nullif(trim(location__bin_rack), '') as bin_rack,
        last_update_operation,
        stock_level,
        available,
        in_orders,
        in_order_book,
        due,
        minimum_level,
        stock_value,
        unit_cost,
        stock_item_purchase_price,
        jit as is_jit,
        auto_adjust as is_auto_adjust,
        pending_update as is_pending_update,
        location__is_fulfillment_center as is_fulfillment_center,
        location__is_warehouse_managed as is_warehouse_managed,
        {{ linnworks_timestamp('last_update_date') }} as last_updated_at,
        _dlt_load_id as load_id,
        _dlt_id as dlt_id

    from source

)

select * from renamed
