{#-
    For each (supplier, custom_label): the quantity of its newest appearance in that supplier's feeds and of the
    appearance before. A part missing from a newer feed keeps its last known quantity.
-#}
with

history as (

    select * from {{ ref('int_supplier_stock__history') }}

),

numbered as (

    select
        supplier,
        custom_label,
        quantity,
        feed_date,
        row_number() over (partition by supplier, custom_label order by feed_date desc) as appearance

    from history

),

final as (

    select
        newest.supplier,
        newest.custom_label,
        newest.quantity,
        previous.quantity as previous_quantity,
        newest.feed_date as stock_date,
        previous.feed_date as previous_stock_date

    from numbered as newest
    left join numbered as previous
        on newest.supplier = previous.supplier
            and newest.custom_label = previous.custom_label
            and previous.appearance = 2
    where newest.appearance = 1

)

select * from final
