{#-
    Each feed row's quantity by its supplier's rule (seed suppliers):
    numeric: the stock value floored, capped at quantity_cap (no cap when empty); below 1 or not a number -> 0;
    flag: in_stock_quantity when the cell (trimmed) equals in_stock_value, in any case where in_stock_any_case
    (APE YES, ROL In Stock), exactly otherwise (FIR, KYB Y); else 0;
    listed: every listed part -> in_stock_quantity.
    RTG's inverted list is read against store listings in int_supplier_stock__rtg_quantified.
    Incremental: a build redoes only the feed dates loaded since the last one; dates out of retention go.
-#}
{{ config(incremental_by_feed_date()) }}

with

latest_feed_rows as (

    select * from {{ ref('int_supplier_stock__latest_feed_rows') }}
    where {{ feed_dates_to_rebuild(ref('int_supplier_stock__latest_feed_rows')) }}

),

parsed as (

    select
        *,
        {{ dbt.safe_cast('stock_value', dbt.type_float()) }} as stock_number

    from latest_feed_rows
    where quantity_rule <> 'inverted_list'

),

final as (

    select
        supplier,
        part_number,
        stock_value,
        quantity_rule,
        feed_row_number,
        cast(
            case quantity_rule
                when 'numeric'
                    then
                        case
                            when stock_number >= 1
                                then
                                    floor(
                                        case
                                            when quantity_cap is not null and stock_number > quantity_cap
                                                then quantity_cap
                                            else stock_number
                                        end
                                    )
                            else 0
                        end
                when 'flag'
                    then
                        case
                            when trim(stock_value) = in_stock_value then in_stock_quantity
                            when in_stock_any_case and upper(trim(stock_value)) = upper(in_stock_value)
                                then in_stock_quantity
                            else 0
                        end
                when 'listed' then in_stock_quantity
            end as {{ dbt.type_bigint() }}
        ) as quantity,
        quantity_rule = 'numeric' and (stock_number is null or stock_number < 0) as has_junk_stock_value,
        part_number is null as has_blank_part_number,
        feed_date,
        loaded_at

    from parsed

)

select * from final
