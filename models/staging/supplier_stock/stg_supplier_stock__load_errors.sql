with

source as (

    select * from {{ source_or_empty('supplier_stock', 'load_errors', {
        'file_name': dbt.type_string(),
        'kind': dbt.type_string(),
        'code': dbt.type_string(),
        'reason': dbt.type_string(),
        'feed_date': 'date',
        '_dlt_load_id': dbt.type_string(),
        'rejected_at': dbt.type_timestamp(),
    }) }}

),

renamed as (

    select
        file_name,
        kind as loader,
        code as file_code,
        reason,
        feed_date,
        _dlt_load_id as load_id,
        rejected_at

    from source

)

select * from renamed
