with

source as (

    select * from {{ source_or_empty('wdn', 'retailers', {
        'id':           dbt.type_string(),
        'name':         dbt.type_string(),
        'website':      dbt.type_string(),
        'http_status':  dbt.type_bigint(),
        'fetched_at':   dbt.type_timestamp(),
        '_dlt_load_id': dbt.type_string(),
    }) }}

),

renamed as (

    select
        cast(id as {{ dbt.type_bigint() }}) as retailer_id,
        name as retailer_name,
        website as retailer_website,
        cast(http_status as {{ dbt.type_bigint() }}) as http_status,
        http_status = 200 as has_profile,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
