{#- Every listing outcome `elt push ebay` recorded; an empty relation until the first push creates the table. -#}
with

source as (

    select * from {{ source_or_empty('ebay_push', 'revisions', {
        'push_id':       dbt.type_string(),
        'build_id':      dbt.type_string(),
        'ebay_store':    dbt.type_string(),
        'item_id':       dbt.type_bigint(),
        'sku':           dbt.type_string(),
        'quantity_sent': dbt.type_bigint(),
        'outcome':       dbt.type_string(),
        'error_code':    dbt.type_string(),
        'error_message': dbt.type_string(),
        'is_permanent':  dbt.type_boolean(),
        'attempted_at':  dbt.type_timestamp(),
        'recorded_at':   dbt.type_timestamp(),
    }) }}

),

renamed as (

    select
        push_id,
        build_id,
        upper(ebay_store) as ebay_store,
        item_id,
        sku,
        error_code,
        error_message,
        outcome,
        quantity_sent,
        coalesce(is_permanent, false) as is_permanent,
        attempted_at,
        recorded_at

    from source

)

select * from renamed
