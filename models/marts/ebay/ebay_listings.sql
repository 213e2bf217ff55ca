{#- What eBay holds now: each store's newest read. A listing absent from it is no longer active on eBay. -#}
{{ config(storage_options(cluster_by=['ebay_store'])) }}

with

stg_ebay__reads as (

    select * from {{ ref('stg_ebay__reads') }}

),

stg_ebay__active_listings as (

    select * from {{ ref('stg_ebay__active_listings') }}

),

newest_reads as (

    select
        ebay_store,
        read_id,
        row_number() over (
            partition by ebay_store
            order by read_at desc, read_id desc
        ) as recency

    from stg_ebay__reads

),

final as (

    select
        stg_ebay__active_listings.item_id,
        stg_ebay__active_listings.ebay_store,
        stg_ebay__active_listings.sku,
        stg_ebay__active_listings.listing_type,
        stg_ebay__active_listings.listing_status,
        stg_ebay__active_listings.read_id,
        stg_ebay__active_listings.quantity_available,
        stg_ebay__active_listings.quantity,
        stg_ebay__active_listings.quantity_sold,
        stg_ebay__active_listings.read_at

    from stg_ebay__active_listings
    inner join newest_reads
        on stg_ebay__active_listings.read_id = newest_reads.read_id
            and stg_ebay__active_listings.ebay_store = newest_reads.ebay_store
    where newest_reads.recency = 1
        and stg_ebay__active_listings.item_id is not null

)

select * from final
