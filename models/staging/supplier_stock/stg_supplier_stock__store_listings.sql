with

source as (

    select * from {{ source('supplier_stock', 'store_listings') }}

),

renamed as (

    select
        {{ dbt.safe_cast(normalize_part_number('item_id'), dbt.type_bigint()) }} as item_id,
        upper(trim(ebay_store)) as ebay_store,
        {{ normalize_part_number('custom_label') }} as custom_label,
        brand,
        title,
        upper(trim(prefix)) as prefix,
        upper(trim(uk_rtg)) as uk_rtg,
        fps_wds_dir,
        payment_profile_name,
        shipping_profile_name,
        return_profile_name,
        sheet_name,
        file_name,
        row_number as sheet_row_number,
        {{ dbt.safe_cast('current_quantity', dbt.type_float()) }} as current_quantity,
        {{ dbt.safe_cast('current_price', dbt.type_float()) }} as current_price,
        _dlt_load_id as load_id,
        loaded_at

    from source

)

select * from renamed
