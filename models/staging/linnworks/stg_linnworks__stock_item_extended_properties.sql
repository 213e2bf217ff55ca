with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_items__item_extended_properties', linnworks_columns({
        'pk_row_id':        'string',
        'fk_stock_item_id': 'string',
        'propery_name':     'string',
        'property_value':   'string',
        'property_type':    'string',
        '_dlt_id':          'string',
        '_dlt_parent_id':   'string',
        '_dlt_list_idx':    'bigint',
    })) }}

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
