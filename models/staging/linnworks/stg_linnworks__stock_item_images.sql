with

source as (

    select * from {{ linnworks_stock_item_list('images', {
        'pk_row_id':         ['pkRowId', 'string'],
        'stock_item_id':     ['StockItemId', 'string'],
        'stock_item_int_id': ['StockItemIntId', 'bigint'],
        'full_source':       ['FullSource', 'string'],
        'source':            ['Source', 'string'],
        'checksum_value':    ['ChecksumValue', 'string'],
        'check_sum_value':   ['CheckSumValue', 'string'],
        'sort_order':        ['SortOrder', 'bigint'],
        'is_main':           ['IsMain', 'boolean'],
    }) }}

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
