with

channel_prices as (

    select * from {{ ref('stg_linnworks__stock_item_channel_prices') }}

),

channel_titles as (

    select * from {{ ref('stg_linnworks__stock_item_channel_titles') }}

),

price_rules as (

    select * from {{ ref('stg_linnworks__stock_item_channel_price_rules') }}

),

titles_by_channel as (

    select
        stock_item_id,
        source,
        sub_source,
        min(title) as channel_title

    from channel_titles
    group by stock_item_id, source, sub_source

),

rules_by_price as (

    select
        channel_price_id,
        count(*) as pricing_rule_count

    from price_rules
    group by channel_price_id

),

final as (

    select
        channel_prices.channel_price_id,
        channel_prices.stock_item_id,
        channel_prices.source,
        channel_prices.sub_source,
        titles_by_channel.channel_title,
        channel_prices.tag,
        channel_prices.update_status,
        channel_prices.price,
        coalesce(rules_by_price.pricing_rule_count, 0) as pricing_rule_count

    from channel_prices
    left join titles_by_channel
        on channel_prices.stock_item_id = titles_by_channel.stock_item_id
            and channel_prices.source = titles_by_channel.source
            and channel_prices.sub_source = titles_by_channel.sub_source
    left join rules_by_price
        on channel_prices.channel_price_id = rules_by_price.channel_price_id

)

select * from final
