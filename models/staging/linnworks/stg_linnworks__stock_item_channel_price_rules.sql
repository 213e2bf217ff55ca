with

source as (

    select * from {{ source_or_empty('linnworks', 'stock_items__item_channel_prices__rules', linnworks_columns({
        'fk_stock_pricing_id': 'string',
        'pk_row_id':           'bigint',
        'type':                'string',
        'lower_bound':         'bigint',
        'value':               'double',
        '_dlt_id':             'string',
        '_dlt_parent_id':      'string',
        '_dlt_list_idx':       'bigint',
    })) }}

),

renamed as (

    select
        fk_stock_pricing_id as channel_price_id,
        pk_row_id as pricing_rule_id,
        type as rule_type,
        lower_bound as lower_bound_quantity,
        value as rule_value,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from source

)

select * from renamed
