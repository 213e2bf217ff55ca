with

parents as (

    select * from {{ source_or_empty('linnworks', 'stock_items', linnworks_columns({
        '_dlt_id':             'string',
        'item_channel_prices': 'string',
    })) }}

),

prices as (

    {{ linnworks_json_elements('parents', '_dlt_id', 'parents.item_channel_prices', 'item_channel_prices') }}

),

price_rules as (

    {{ linnworks_json_elements(
        'prices', '_dlt_id', linnworks_json_field('prices.element', 'Rules', 'json'), 'rules'
    ) }}

),

renamed as (

    select
        {{ linnworks_json_field('element', 'fkStockPricingId', 'string') }} as channel_price_id,
        {{ linnworks_json_field('element', 'pkRowId', 'bigint') }} as pricing_rule_id,
        {{ linnworks_json_field('element', 'Type', 'string') }} as rule_type,
        {{ linnworks_json_field('element', 'LowerBound', 'bigint') }} as lower_bound_quantity,
        {{ linnworks_json_field('element', 'Value', 'double') }} as rule_value,
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_list_idx as dlt_list_index

    from price_rules

)

select * from renamed
