with

source as (

    select * from {{ source_or_empty('wdn', 'brands', {
        'id':           dbt.type_string(),
        'name':         dbt.type_string(),
        'description':  dbt.type_string(),
        'website':      dbt.type_string(),
        'fetched_at':   dbt.type_timestamp(),
        '_dlt_load_id': dbt.type_string(),
    }) }}

),

renamed as (

    select
        cast(id as {{ dbt.type_bigint() }}) as brand_id,
        name as brand_name,
        description as brand_description,
        website as brand_website,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
