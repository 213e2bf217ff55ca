with

source as (

    select * from {{ source_or_empty('ebay', 'active_listings', {
        'store':              dbt.type_string(),
        'item_id':            dbt.type_string(),
        'sku':                dbt.type_string(),
        'quantity':           dbt.type_bigint(),
        'quantity_available': dbt.type_bigint(),
        'quantity_sold':      dbt.type_bigint(),
        'listing_type':       dbt.type_string(),
        'listing_status':     dbt.type_string(),
        'title':              dbt.type_string(),
        'read_at':            dbt.type_timestamp(),
        'read_id':            dbt.type_string(),
        '_dlt_load_id':       dbt.type_string(),
    }) }}

),

renamed as (

    select
        {{ dbt.safe_cast('item_id', dbt.type_bigint()) }} as item_id,
        read_id,
        upper(trim(store)) as ebay_store,
        upper(trim(sku)) as sku,
        listing_type,
        listing_status,
        title,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(quantity_available as {{ dbt.type_bigint() }}) as quantity_available,
        cast(quantity_sold as {{ dbt.type_bigint() }}) as quantity_sold,
        read_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
