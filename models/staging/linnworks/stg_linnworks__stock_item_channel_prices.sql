with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_items__item_channel_prices', linnworks_columns({
        'pk_row_id':         'string',
        'stock_item_id':     'string',
        'stock_item_int_id': 'bigint',
        'source':            'string',
        'sub_source':        'string',
        'tag':               'string',
        'update_status':     'string',
        'price':             'double',
        '_dlt_id':           'string',
        '_dlt_parent_id':    'string',
        '_dlt_list_idx':     'bigint',
    })) }}

),

renamed as (

    select
        pk_row_id as channel_price_id,
        stock_item_id,
        stock_item_int_id,
        source.source as source,  -- noqa: RF03, AL09
        sub_source,
        nullif(trim(tag), '') as tag,
        update_status,
        price,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
