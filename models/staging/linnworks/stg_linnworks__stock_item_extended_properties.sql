with

source as (

    select * from {{ linnworks_stock_item_list('item_extended_properties', {
        'pk_row_id':        ['pkRowId', 'string'],
        'fk_stock_item_id': ['fkStockItemId', 'string'],
        'propery_name':     ['ProperyName', 'string'],
        'property_value':   ['PropertyValue', 'string'],
        'property_type':    ['PropertyType', 'string'],
    }) }}

),

renamed as (

    select
        pk_row_id as extended_property_id,
        fk_stock_item_id as stock_item_id,
        propery_name as property_name,
        property_value,
        property_type,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
