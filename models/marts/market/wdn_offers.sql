with

offers as (

    select * from {{ ref('stg_wdn__offers') }}

),

products as (

    select * from {{ ref('stg_wdn__products') }}

),

brands as (

    select * from {{ ref('stg_wdn__brands') }}

),

retailers as (

    select * from {{ ref('stg_wdn__retailers') }}

),

final as (

    select
        offers.offer_id,
        offers.product_id,
        products.brand_id,
        offers.retailer_id,
        products.product_name,
        brands.brand_name,
        products.brand_names,
        retailers.retailer_name,
        offers.original_currency,
        offers.price_usd,
        offers.price_gbp,
        offers.price_eur,
        coalesce(retailers.has_profile, false) as retailer_has_profile,
        offers.fetched_at

    from offers
    left join products
        on offers.product_id = products.product_id
    left join brands
        on products.brand_id = brands.brand_id
    left join retailers
        on offers.retailer_id = retailers.retailer_id

)

select * from final
