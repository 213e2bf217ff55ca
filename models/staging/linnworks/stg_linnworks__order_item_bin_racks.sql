with

source as (

    select * from {{ source_or_empty('linnworks', 'order_details__items__bin_racks', linnworks_columns({
        'location':       'string',
        'bin_rack':       'string',
        'quantity':       'bigint',
        '_dlt_id':        'string',
        '_dlt_parent_id': 'string',
        '_dlt_root_id':   'string',
        '_dlt_list_idx':  'bigint',
    })) }}

),

renamed as (

    select
        location as location_id,
        nullif(trim(bin_rack), '') as bin_rack,
        quantity,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_root_id as dlt_root_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
