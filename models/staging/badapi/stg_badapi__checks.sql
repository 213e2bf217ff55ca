with

source as (

    select * from {{ source_or_empty('badapi', 'checks', {
        'endpoint':         dbt.type_string(),
        'subject':          dbt.type_string(),
        'outcome':          dbt.type_string(),
        'etag':             dbt.type_string(),
        'detail':           dbt.type_string(),
        'error_modes_seen': dbt.type_string(),
        'http_status':      dbt.type_bigint(),
        'attempts':         dbt.type_bigint(),
        'row_count':        dbt.type_bigint(),
        'checked_at':       dbt.type_timestamp(),
        '_dlt_load_id':     dbt.type_string(),
    }) }}

),

renamed as (

    select
        endpoint,
        lower(subject) as subject,
        outcome,
        etag,
        detail,
        error_modes_seen,
        cast(http_status as {{ dbt.type_bigint() }}) as http_status,
        cast(attempts as {{ dbt.type_bigint() }}) as attempts,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        checked_at,
        _dlt_load_id as load_id

    from source

)

select * from renamed
