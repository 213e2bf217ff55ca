with

products as (

    select * from {{ ref('stg_wdn__products') }}

),

brands as (

    select * from {{ ref('stg_wdn__brands') }}

),

offers as (

    select * from {{ ref('stg_wdn__offers') }}

),

offer_summaries as (

    select
        product_id,
        count(*) as offer_count,
        count(distinct retailer_id) as retailer_count,
        min(price_usd) as min_price_usd,
        max(price_usd) as max_price_usd

    from offers
    group by product_id

),

final as (

    select
        products.product_id,
        products.brand_id,
        products.product_name,
        brands.brand_name,
        products.brand_names,
        products.product_description,
        coalesce(offer_summaries.offer_count, 0) as offer_count,
        coalesce(offer_summaries.retailer_count, 0) as retailer_count,
        offer_summaries.min_price_usd,
        offer_summaries.max_price_usd,
        coalesce(offer_summaries.offer_count, 0) > 0 as has_offers,
        products.released_at,
        products.fetched_at

    from products
    left join brands
        on products.brand_id = brands.brand_id
    left join offer_summaries
        on products.product_id = offer_summaries.product_id

)

select * from final
