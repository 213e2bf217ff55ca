{#-
    Where each SKU stands across Linnworks, the supplier feeds and eBay, matched on the SKU as a normalised
    custom label (normalize_part_number). The SKUs of every side are put together first, so a SKU appears
    when any side knows it (a full outer join on SKU) and a side that does not know it gives nulls (counts 0).

    Supplier stock: each supplier's newest quantity for the label (int_supplier_stock__ranked); supplier_quantity
    is the largest of them (with its supplier and feed date), supplier_quantity_total their sum. The flag uses
    the largest, not the sum: two feeds listing the same label often report the same goods (a distributor and
    the maker), and for an overselling warning over-counting is the worse error.

    is_overcommitted: the quantity about to be offered on eBay, summed over the SKU's listings in every store
    (ebay_quantity_total: buyers can buy each listing's quantity), is above what can be covered: Linnworks
    available (summed over locations) plus supplier_quantity. A SKU listed in several stores at its supplier's
    full quantity is the usual way a seller oversells.
-#}
with

linnworks_stock as (

    select * from {{ ref('int_linnworks__stock_summed_by_sku') }}

),

linnworks_sales as (

    select * from {{ ref('int_linnworks__sales_windowed_by_sku') }}

),

supplier_stock as (

    select * from {{ ref('int_supplier_stock__ranked') }}

),

store_listings as (

    select * from {{ ref('int_store_listings__assigned') }}

),

ebay as (

    select * from {{ ref('ebay') }}

),

ranked_suppliers as (

    select
        custom_label as sku,
        supplier,
        quantity,
        stock_date,
        row_number() over (
            partition by custom_label
            order by quantity desc, stock_date desc, supplier asc
        ) as supplier_rank

    from supplier_stock
    where custom_label is not null

),

supplier_totals as (

    select
        sku,
        count(*) as supplier_count,
        sum(quantity) as supplier_quantity_total

    from ranked_suppliers
    group by sku

),

best_suppliers as (

    select
        ranked_suppliers.sku,
        ranked_suppliers.supplier as supplier_name,
        ranked_suppliers.quantity as supplier_quantity,
        ranked_suppliers.stock_date as supplier_stock_date,
        supplier_totals.supplier_count,
        supplier_totals.supplier_quantity_total

    from ranked_suppliers
    inner join supplier_totals
        on ranked_suppliers.sku = supplier_totals.sku
    where ranked_suppliers.supplier_rank = 1

),

listings as (

    select
        custom_label as sku,
        count(*) as ebay_listings,
        count(distinct ebay_store) as ebay_stores

    from store_listings
    where item_id is not null
        and custom_label is not null
    group by custom_label

),

ebay_quantities as (

    select
        custom_label as sku,
        max(quantity) as ebay_quantity,
        sum(quantity) as ebay_quantity_total

    from ebay
    where custom_label is not null
    group by custom_label

),

skus as (

    select sku from linnworks_stock
    union distinct
    select sku from linnworks_sales
    union distinct
    select sku from best_suppliers
    union distinct
    select sku from listings
    union distinct
    select sku from ebay_quantities

),

joined as (

    select
        skus.sku,
        linnworks_stock.stock_item_id,
        linnworks_stock.title,
        best_suppliers.supplier_name,
        linnworks_stock.stock_level,
        linnworks_stock.available,
        linnworks_stock.in_orders,
        linnworks_stock.due,
        best_suppliers.supplier_quantity,
        best_suppliers.supplier_quantity_total,
        best_suppliers.supplier_count,
        listings.ebay_listings,
        listings.ebay_stores,
        ebay_quantities.ebay_quantity,
        ebay_quantities.ebay_quantity_total,
        linnworks_sales.units_sold_7d,
        linnworks_sales.units_sold_30d,
        linnworks_stock.sku is not null as is_in_linnworks,
        best_suppliers.supplier_stock_date,
        linnworks_sales.last_sold_date,
        max(linnworks_sales.sales_as_of_date) over () as sales_as_of_date

    from skus
    left join linnworks_stock
        on skus.sku = linnworks_stock.sku
    left join linnworks_sales
        on skus.sku = linnworks_sales.sku
    left join best_suppliers
        on skus.sku = best_suppliers.sku
    left join listings
        on skus.sku = listings.sku
    left join ebay_quantities
        on skus.sku = ebay_quantities.sku

),

final as (

    select
        sku,
        stock_item_id,
        title,
        supplier_name,
        cast(coalesce(stock_level, 0) as {{ dbt.type_bigint() }}) as stock_level,
        cast(coalesce(available, 0) as {{ dbt.type_bigint() }}) as available,
        cast(coalesce(in_orders, 0) as {{ dbt.type_bigint() }}) as in_orders,
        cast(coalesce(due, 0) as {{ dbt.type_bigint() }}) as due,
        cast(supplier_quantity as {{ dbt.type_bigint() }}) as supplier_quantity,
        cast(supplier_quantity_total as {{ dbt.type_bigint() }}) as supplier_quantity_total,
        cast(coalesce(supplier_count, 0) as {{ dbt.type_bigint() }}) as supplier_count,
        cast(coalesce(available, 0) + coalesce(supplier_quantity, 0) as {{ dbt.type_bigint() }}) as coverable_quantity,
        cast(coalesce(ebay_listings, 0) as {{ dbt.type_bigint() }}) as ebay_listings,
        cast(coalesce(ebay_stores, 0) as {{ dbt.type_bigint() }}) as ebay_stores,
        cast(ebay_quantity as {{ dbt.type_bigint() }}) as ebay_quantity,
        cast(ebay_quantity_total as {{ dbt.type_bigint() }}) as ebay_quantity_total,
        cast(coalesce(units_sold_7d, 0) as {{ dbt.type_bigint() }}) as units_sold_7d,
        cast(coalesce(units_sold_30d, 0) as {{ dbt.type_bigint() }}) as units_sold_30d,
        is_in_linnworks,
        coalesce(
            ebay_quantity_total > coalesce(available, 0) + coalesce(supplier_quantity, 0), false
        ) as is_overcommitted,
        supplier_stock_date,
        last_sold_date,
        sales_as_of_date

    from joined

)

select * from final
