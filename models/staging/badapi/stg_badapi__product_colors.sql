with

source as (

    select * from {{ source_or_empty('badapi', 'products__color', {
        '_dlt_parent_id': dbt.type_string(),
        'value':          dbt.type_string(),
        '_dlt_list_idx':  dbt.type_bigint(),
    }) }}

),

renamed as (

    select
        _dlt_parent_id as product_row_id,
        lower(value) as colour,
        cast(_dlt_list_idx as {{ dbt.type_bigint() }}) as colour_position

    from source

)

select * from renamed
