with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_items__images', linnworks_columns({
        'pk_row_id':         'string',
        'stock_item_id':     'string',
        'stock_item_int_id': 'bigint',
        'full_source':       'string',
        'source':            'string',
        'checksum_value':    'string',
        'check_sum_value':   'string',
        'sort_order':        'bigint',
        'is_main':           'boolean',
        '_dlt_id':           'string',
        '_dlt_parent_id':    'string',
        '_dlt_list_idx':     'bigint',
    })) }}

),

renamed as (

    select
        pk_row_id as image_id,
        stock_item_id,
        stock_item_int_id,
        full_source as image_url,
        source.source as thumbnail_url,  -- noqa: RF03
        coalesce(checksum_value, check_sum_value) as checksum,
        sort_order,
        is_main,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
