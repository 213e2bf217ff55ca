{#-
    Each eBay listing with the supplier whose stock sets its quantity: RTG when uk_rtg is RTG, else the last
    `-`-separated part of the prefix, else RTG.
-#}
with

store_listings as (

    select * from {{ ref('stg_supplier_stock__store_listings') }}

),

final as (

    select
        item_id,
        ebay_store,
        custom_label,
        case
            when uk_rtg = 'RTG' then 'RTG'
            when prefix is null or prefix = '' then 'RTG'
            else coalesce(nullif(trim({{ dbt.split_part('prefix', "'-'", -1) }}), ''), 'RTG')
        end as supplier,
        title,
        prefix,
        current_quantity,
        current_price,
        loaded_at

    from store_listings

)

select * from final
