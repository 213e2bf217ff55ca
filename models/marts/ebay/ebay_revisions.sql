{#-
    What `elt push ebay` sends: every listing of marts.ebay with its target (int_ebay_listings__targeted), the
    quantity eBay holds and whether the two differ. eBay's quantity is the newest known of: the newest read of
    the store's active listings (marts.ebay_listings), the quantity our last confirmed revision set
    (stg_ebay__revisions: revised or unchanged), and the store workbook's current_quantity; on equal times a read
    wins over a revision, and a revision over the workbook. A listing whose eBay quantity is unknown is sent.
-#}
{{ config(storage_options(cluster_by=['ebay_store'])) }}

with

listings_targeted as (

    select * from {{ ref('int_ebay_listings__targeted') }}

),

ebay_listings as (

    select * from {{ ref('ebay_listings') }}

),

revisions as (

    select * from {{ ref('stg_ebay__revisions') }}

),

store_listings as (

    select * from {{ ref('int_store_listings__assigned') }}

),

confirmed_revisions as (

    select
        ebay_store,
        item_id,
        quantity_sent,
        recorded_at,
        row_number() over (
            partition by ebay_store, item_id
            order by recorded_at desc
        ) as recency

    from revisions
    where outcome in ('revised', 'unchanged')

),

known_quantities as (

    select
        ebay_store,
        item_id,
        'ebay_read' as quantity_source,
        1 as preference,
        cast(quantity_available as {{ dbt.type_bigint() }}) as quantity,
        cast(read_at as {{ dbt.type_timestamp() }}) as known_at
    from ebay_listings

    union all

    select
        ebay_store,
        item_id,
        'revision' as quantity_source,
        2 as preference,
        quantity_sent as quantity,
        cast(recorded_at as {{ dbt.type_timestamp() }}) as known_at
    from confirmed_revisions
    where recency = 1

    union all

    select
        ebay_store,
        item_id,
        'workbook' as quantity_source,
        3 as preference,
        cast(floor(current_quantity) as {{ dbt.type_bigint() }}) as quantity,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as known_at
    from store_listings
    where current_quantity is not null

),

newest_quantities as (

    select
        *,
        row_number() over (
            partition by ebay_store, item_id
            order by known_at desc, preference asc
        ) as recency

    from known_quantities

),

final as (

    select
        listings_targeted.ebay_store,
        listings_targeted.item_id,
        listings_targeted.custom_label,
        listings_targeted.supplier_store,
        listings_targeted.title,
        newest_quantities.quantity_source as ebay_quantity_source,
        case
            when listings_targeted.is_stale_to_zero and coalesce(newest_quantities.quantity, -1) <> 0
                then 'stale supplier feed: the stale policy sets 0'
            when newest_quantities.quantity is null
                then 'eBay quantity not known: the target is sent'
            when newest_quantities.quantity <> listings_targeted.target_quantity
                then {{ dbt.concat([
                    "'eBay holds '",
                    "cast(newest_quantities.quantity as " ~ dbt.type_string() ~ ")",
                    "' (' ",
                    "newest_quantities.quantity_source",
                    "'), the target is '",
                    "cast(listings_targeted.target_quantity as " ~ dbt.type_string() ~ ")",
                ]) }}
            else 'eBay already holds the target'
        end as reason,
        listings_targeted.supplier_quantity,
        listings_targeted.target_quantity,
        newest_quantities.quantity as ebay_quantity,
        coalesce(newest_quantities.quantity <> listings_targeted.target_quantity, true) as must_send,
        listings_targeted.is_stale_to_zero,
        listings_targeted.stock_date,
        newest_quantities.known_at as ebay_quantity_at

    from listings_targeted
    left join newest_quantities
        on listings_targeted.ebay_store = newest_quantities.ebay_store
            and listings_targeted.item_id = newest_quantities.item_id
            and newest_quantities.recency = 1

)

select * from final
