{#-
    The old job's analysis: for offers of products whose brand_names mention nike, adidas or vans (any casing,
    anywhere in the text, as its `similar to '%(nike|adidas|vans)%'` did), each retailer's average USD price,
    rounded to cents; segments on that rounded average: Normal below 100, High End from 100 to 200 inclusive,
    Very High End above 200 (left out). Retailers the API does not know (404) are left out, as its inner join
    on retailers left them out.
-#}

with

offers as (

    select * from {{ ref('wdn_offers') }}

),

matching_offers as (

    select
        retailer_id,
        retailer_name,
        price_usd

    from offers
    where
        retailer_has_profile
        and price_usd is not null
        and (
            lower(brand_names) like '%nike%'
            or lower(brand_names) like '%adidas%'
            or lower(brand_names) like '%vans%'
        )

),

retailer_averages as (

    select
        retailer_id,
        retailer_name,
        count(*) as offer_count,
        {{ round_to_cents('avg(price_usd)') }} as avg_price_usd

    from matching_offers
    group by retailer_id, retailer_name

),

segmented as (

    select
        retailer_id,
        retailer_name,
        case
            when avg_price_usd < 100 then 'Normal'
            when avg_price_usd <= 200 then 'High End'
            else 'Very High End'
        end as segment,
        offer_count,
        avg_price_usd

    from retailer_averages

),

final as (

    select
        retailer_id,
        retailer_name,
        segment,
        rank() over (partition by segment order by avg_price_usd desc) as retailer_rank,
        offer_count,
        avg_price_usd

    from segmented
    where segment != 'Very High End'

)

select * from final
