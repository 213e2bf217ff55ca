with

source as (

    select * from {{ source('supplier_stock', 'stock_feed_rows') }}

),

renamed as (

    select
        upper(trim(supplier)) as supplier,
        {{ normalize_part_number('part_number') }} as part_number,
        nullif(trim(stock_value), '') as stock_value,
        file_name,
        row_number as feed_row_number,
        feed_date,
        _dlt_load_id as load_id,
        loaded_at

    from source

)

select * from renamed
