with

source as (

    select * from {{ source_or_empty('ebay', 'reads', {
        'store':         dbt.type_string(),
        'read_id':       dbt.type_string(),
        'read_at':       dbt.type_timestamp(),
        'listings':      dbt.type_bigint(),
        'pages':         dbt.type_bigint(),
        'total_entries': dbt.type_bigint(),
        '_dlt_load_id':  dbt.type_string(),
    }) }}

),

renamed as (

    select
        read_id,
        upper(trim(store)) as ebay_store,
        cast(listings as {{ dbt.type_bigint() }}) as listings,
        cast(pages as {{ dbt.type_bigint() }}) as pages,
        cast(total_entries as {{ dbt.type_bigint() }}) as total_entries,
        read_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
