with

source as (

    select * from {{ linnworks_stock_item_list('item_channel_titles', {
        'pk_row_id':         ['pkRowId', 'string'],
        'stock_item_id':     ['StockItemId', 'string'],
        'stock_item_int_id': ['StockItemIntId', 'bigint'],
        'source':            ['Source', 'string'],
        'sub_source':        ['SubSource', 'string'],
        'title':             ['Title', 'string'],
    }) }}

),

renamed as (

    select
        pk_row_id as channel_title_id,
        stock_item_id,
        stock_item_int_id,
        source.source as source,  -- noqa: RF03, AL09
        sub_source,
        title,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
