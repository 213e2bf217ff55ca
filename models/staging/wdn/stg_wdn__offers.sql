{#- Prices as type_decimal(): 38 digits, 9 after the point, what dlt lands them as on both targets. -#}
with

source as (

    select * from {{ source_or_empty('wdn', 'offers', {
        'id':                dbt.type_string(),
        'product_id':        dbt.type_bigint(),
        'retailer_id':       dbt.type_bigint(),
        'original_currency': dbt.type_string(),
        'price_usd':         type_decimal(),
        'price_gbp':         type_decimal(),
        'price_eur':         type_decimal(),
        'fetched_at':        dbt.type_timestamp(),
        '_dlt_load_id':      dbt.type_string(),
    }) }}

),

renamed as (

    select
        id as offer_id,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(retailer_id as {{ dbt.type_bigint() }}) as retailer_id,
        upper(original_currency) as original_currency,
        cast(price_usd as {{ type_decimal() }}) as price_usd,
        cast(price_gbp as {{ type_decimal() }}) as price_gbp,
        cast(price_eur as {{ type_decimal() }}) as price_eur,
        fetched_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
