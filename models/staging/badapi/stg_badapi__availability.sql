{#-
    INSTOCKVALUE is read out of the XML text with dbt's cross-database split_part (DuckDB's split_part,
    BigQuery's split()[safe_offset()]): the text between `<INSTOCKVALUE>` and `</INSTOCKVALUE>`; null when the
    payload has no such element. Ids are case-folded to match the products' lower-case ids.
-#}

with

source as (

    select * from {{ source_or_empty('badapi', 'availability', {
        'id':           dbt.type_string(),
        'manufacturer': dbt.type_string(),
        'datapayload':  dbt.type_string(),
        'fetched_at':   dbt.type_timestamp(),
        '_dlt_load_id': dbt.type_string(),
    }) }}

),

renamed as (

    select
        lower(id) as product_id,
        lower(manufacturer) as manufacturer,
        nullif(
            upper(trim(
                {{ dbt.split_part(dbt.split_part('datapayload', "'<INSTOCKVALUE>'", 2), "'</INSTOCKVALUE>'", 1) }}
            )),
            ''
        ) as in_stock_value,
        datapayload as availability_payload,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
