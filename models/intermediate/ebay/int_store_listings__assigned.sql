{#-
    Each eBay listing with the supplier whose stock sets its quantity: RTG when uk_rtg is RTG, else the last
    `-`-separated part of the prefix, else RTG. Listings whose item id is not a number cannot be revised and
    are left out. Incremental: a build merges the listings loaded (upserted) since the last one.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['ebay_store', 'item_id'],
    on_schema_change='fail',
) }}

with

store_listings as (

    select * from {{ ref('stg_supplier_stock__store_listings') }}
    where item_id is not null
    {%- if is_incremental() %}
        and loaded_at > (select max(loaded_at) from {{ this }})
    {%- endif %}

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
