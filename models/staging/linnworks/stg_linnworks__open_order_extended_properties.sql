with

source as (

    select * from {{ source_or_empty('linnworks', 'open_orders__extended_properties', linnworks_columns({
        'row_id':         'string',
        'name':           'string',
        'value':          'string',
        'type':           'string',
        '_dlt_id':        'string',
        '_dlt_parent_id': 'string',
        '_dlt_list_idx':  'bigint',
    })) }}

),

renamed as (

    select
        row_id as extended_property_id,
        name as property_name,
        value as property_value,
        type as property_type,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
