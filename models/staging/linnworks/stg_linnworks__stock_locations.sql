with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_locations', linnworks_columns({
        'stock_location_id':                             'string',
        'stock_location_int_id':                         'bigint',
        'location_name':                                 'string',
        'location_tag':                                  'string',
        'address1':                                      'string',
        'address2':                                      'string',
        'city':                                          'string',
        'county':                                        'string',
        'country':                                       'string',
        'zip_code':                                      'string',
        'is_fulfillment_center':                         'boolean',
        'is_warehouse_managed':                          'boolean',
        'is_not_trackable':                              'boolean',
        'count_in_order_until_acknowledgement':          'boolean',
        'fulfilment_center_deduct_stock_when_processed': 'boolean',
        '_dlt_load_id':                                  'string',
        '_dlt_id':                                       'string',
    })) }}

),

renamed as (

    select
        stock_location_id as location_id,
        stock_location_int_id as location_int_id,
        location_name,
        nullif(trim(location_tag), '') as location_tag,
        nullif(trim(address1), '') as address1,
        nullif(trim(address2), '') as address2,
        nullif(trim(city), '') as city,
        nullif(trim(county), '') as county,
        nullif(trim(country), '') as country,
        nullif(trim(zip_code), '') as zip_code,
        is_fulfillment_center,
        is_warehouse_managed,
        is_not_trackable,
        count_in_order_until_acknowledgement as is_counted_in_order_until_acknowledged,
        fulfilment_center_deduct_stock_when_processed as is_stock_deducted_when_processed,
        _dlt_load_id as load_id,
        _dlt_id as dlt_id

    from source

)

select * from renamed
