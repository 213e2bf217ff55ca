with

source as (

    select * from {{ source_or_empty('wdn', 'products', {
        'id':           dbt.type_string(),
        'brand_id':     dbt.type_string(),
        'name':         dbt.type_string(),
        'description':  dbt.type_string(),
        'brand_names':  dbt.type_string(),
        'release_at':   dbt.type_timestamp(),
        'fetched_at':   dbt.type_timestamp(),
        '_dlt_load_id': dbt.type_string(),
    }) }}

),

renamed as (

    select
        cast(id as {{ dbt.type_bigint() }}) as product_id,
        cast(brand_id as {{ dbt.type_bigint() }}) as brand_id,
        name as product_name,
        description as product_description,
        brand_names,
        release_at as released_at,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
