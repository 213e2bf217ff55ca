with

source as (

    select * from {{ linnworks_stock_item_list('item_channel_prices', {
        'pk_row_id':         ['pkRowId', 'string'],
        'stock_item_id':     ['StockItemId', 'string'],
        'stock_item_int_id': ['StockItemIntId', 'bigint'],
        'source':            ['Source', 'string'],
        'sub_source':        ['SubSource', 'string'],
        'tag':               ['Tag', 'string'],
        'update_status':     ['UpdateStatus', 'string'],
        'price':             ['Price', 'double'],
    }) }}

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
