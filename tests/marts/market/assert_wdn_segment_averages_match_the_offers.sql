-- Assert that each segmented retailer's average and segment follow from its nike/adidas/vans offers: the
-- average recomputed from wdn_offers (rounded to cents) equals the mart's, and the segment fits its bounds.
with

segments as (

    select * from {{ ref('wdn_retailer_price_segments') }}

),

offers as (

    select * from {{ ref('wdn_offers') }}

),

recomputed as (

    select
        retailer_id,
        round(avg(price_usd), 2) as avg_price_usd

    from offers
    where
        retailer_has_profile
        and (
            lower(brand_names) like '%nike%'
            or lower(brand_names) like '%adidas%'
            or lower(brand_names) like '%vans%'
        )
    group by retailer_id

)

select
    segments.retailer_id,
    segments.segment,
    segments.avg_price_usd,
    recomputed.avg_price_usd as recomputed_avg_price_usd

from segments
left join recomputed
    on segments.retailer_id = recomputed.retailer_id
where
    recomputed.avg_price_usd is null
    or abs(segments.avg_price_usd - recomputed.avg_price_usd) > 0.005
    or (segments.segment = 'Normal' and segments.avg_price_usd >= 100)
    or (segments.segment = 'High End' and (segments.avg_price_usd < 100 or segments.avg_price_usd > 200))
