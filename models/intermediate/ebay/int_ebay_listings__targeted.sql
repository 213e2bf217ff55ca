{#-
    Each listing of marts.ebay with the quantity to list on eBay: the newest supplier quantity after the store's
    quantity policy (seed ebay_quantity_policy; a row for the listing's supplier wins over the store's row, and a
    store without a row lists the supplier quantity as it is). target = floor((quantity - buffer) * percentage /
    100), at most the maximum, never below 0; 0 when the stale-supplier policy says so (marts.ebay's
    is_stale_to_zero: the supplier's feed is too old).
-#}
with

ebay as (

    select * from {{ ref('ebay') }}

),

ebay_quantity_policy as (

    select * from {{ ref('ebay_quantity_policy') }}

),

store_policies as (

    select * from ebay_quantity_policy
    where supplier is null

),

supplier_policies as (

    select * from ebay_quantity_policy
    where supplier is not null

),

policies_chosen as (

    select
        ebay.ebay_store,
        ebay.item_id,
        ebay.custom_label,
        ebay.supplier_store,
        ebay.title,
        case
            when supplier_policies.ebay_store is not null then 'supplier'
            when store_policies.ebay_store is not null then 'store'
            else 'none'
        end as policy_level,
        ebay.quantity as supplier_quantity,
        coalesce(
            case
                when supplier_policies.ebay_store is not null then supplier_policies.buffer_quantity
                else store_policies.buffer_quantity
            end,
            0
        ) as buffer_quantity,
        case
            when supplier_policies.ebay_store is not null then supplier_policies.max_quantity
            else store_policies.max_quantity
        end as max_quantity,
        coalesce(
            case
                when supplier_policies.ebay_store is not null then supplier_policies.list_percentage
                else store_policies.list_percentage
            end,
            100
        ) as list_percentage,
        coalesce(ebay.is_stale_to_zero, false) as is_stale_to_zero,
        ebay.stock_date

    from ebay
    left join store_policies
        on ebay.ebay_store = store_policies.ebay_store
    left join supplier_policies
        on ebay.ebay_store = supplier_policies.ebay_store
            and ebay.supplier_store = supplier_policies.supplier

),

policies_applied as (

    select
        *,
        cast(
            floor((supplier_quantity - buffer_quantity) * list_percentage / 100.0) as {{ dbt.type_bigint() }}
        ) as policy_quantity

    from policies_chosen

),

final as (

    select
        ebay_store,
        item_id,
        custom_label,
        supplier_store,
        title,
        policy_level,
        supplier_quantity,
        buffer_quantity,
        max_quantity,
        list_percentage,
        case
            when is_stale_to_zero then 0
            when policy_quantity < 0 then 0
            when max_quantity is not null and policy_quantity > max_quantity then max_quantity
            else policy_quantity
        end as target_quantity,
        is_stale_to_zero,
        stock_date

    from policies_applied

)

select * from final
