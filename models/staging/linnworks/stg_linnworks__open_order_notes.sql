with

source as (

    select * from {{ source_or_empty('linnworks', 'open_orders__notes', linnworks_columns({
        'order_note_id':  'string',
        'order_id':       'string',
        'note':           'string',
        'created_by':     'string',
        'internal':       'boolean',
        'note_date':      'timestamp',
        '_dlt_id':        'string',
        '_dlt_parent_id': 'string',
        '_dlt_list_idx':  'bigint',
    })) }}

),

renamed as (

    select
        order_note_id as note_id,
        order_id,
        note,
        created_by,
        internal as is_internal,
        {{ linnworks_timestamp('note_date') }} as noted_at,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
