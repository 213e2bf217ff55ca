with

source as (

    select * from {{ source_or_empty('badapi', 'products', {
        'id':           dbt.type_string(),
        '_dlt_id':      dbt.type_string(),
        'category':     dbt.type_string(),
        'name':         dbt.type_string(),
        'manufacturer': dbt.type_string(),
        'price':        dbt.type_bigint(),
        'fetched_at':   dbt.type_timestamp(),
        '_dlt_load_id': dbt.type_string(),
    }) }}

),

renamed as (

    select
        lower(id) as product_id,
        _dlt_id as product_row_id,
        lower(category) as category,
        name as product_name,
        lower(manufacturer) as manufacturer,
        cast(price as {{ dbt.type_bigint() }}) as price,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
