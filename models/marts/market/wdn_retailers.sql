with

retailers as (

    select * from {{ ref('stg_wdn__retailers') }}

),

offers as (

    select * from {{ ref('stg_wdn__offers') }}

),

offer_summaries as (

    select
        retailer_id,
        count(*) as offer_count,
        count(distinct product_id) as product_count,
        avg(price_usd) as avg_price_usd

    from offers
    group by retailer_id

),

final as (

    select
        retailers.retailer_id,
        retailers.retailer_name,
        retailers.retailer_website,
        retailers.http_status,
        coalesce(offer_summaries.offer_count, 0) as offer_count,
        coalesce(offer_summaries.product_count, 0) as product_count,
        {{ round_to_cents('offer_summaries.avg_price_usd') }} as avg_price_usd,
        retailers.has_profile,
        retailers.fetched_at

    from retailers
    left join offer_summaries
        on retailers.retailer_id = offer_summaries.retailer_id

)

select * from final
