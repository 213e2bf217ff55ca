{#- The product master as a mapping: one custom label per (supplier, part number); rows missing either dropped. -#}
with

products as (

    select * from {{ ref('stg_supplier_stock__products') }}

),

numbered as (

    select
        supplier,
        part_number,
        custom_label,
        sheet_name,
        sheet_row_number,
        loaded_at,
        row_number() over (
            partition by supplier, part_number
            order by sheet_name, sheet_row_number
        ) as occurrence

    from products
    where supplier is not null
        and part_number is not null
        and custom_label is not null

),

final as (

    select
        supplier,
        part_number,
        custom_label,
        sheet_name,
        sheet_row_number,
        loaded_at

    from numbered
    where occurrence = 1

)

select * from final
