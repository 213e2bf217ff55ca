with

source as (

    select * from {{ source_or_empty('linnworks', 'open_orders__folder_name', linnworks_columns({
        'value':          'string',
        '_dlt_id':        'string',
        '_dlt_parent_id': 'string',
        '_dlt_list_idx':  'bigint',
    })) }}

),

renamed as (

    select
        value as folder_name,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
