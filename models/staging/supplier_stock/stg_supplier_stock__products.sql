with

source as (

    select * from {{ source('supplier_stock', 'products') }}

),

renamed as (

    select
        {{ normalize_part_number('custom_label') }} as custom_label,
        {{ normalize_part_number('part_number') }} as part_number,
        upper(trim(supplier)) as supplier,
        sheet_name,
        file_name,
        row_number as sheet_row_number,
        {{ dbt.safe_cast('quantity', dbt.type_float()) }} as master_quantity,
        _dlt_load_id as load_id,
        loaded_at

    from source

)

select * from renamed
