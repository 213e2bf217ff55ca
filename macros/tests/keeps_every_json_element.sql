{#-
    Fails when the model has not one row per element of the JSON array column `list_column` of raw Linnworks
    stock_items (or, with `nested_key`, per element of that member's array in each of those elements): the staging
    model of a sub-collection keeps every element the API sent. Counted with the warehouse's JSON array length, not
    with the unnesting the model uses.
-#}
{% test keeps_every_json_element(model, list_column, nested_key=none) %}
    with

    parents as (

        select * from {{ source_or_empty('linnworks', 'stock_items', linnworks_columns({
            '_dlt_id': 'string',
            list_column: 'string',
        })) }}

    ),

    {% if nested_key -%}
    elements as (

        {{ linnworks_json_elements('parents', '_dlt_id', 'parents.' ~ list_column, list_column) }}

    ),

    expected as (

        select sum({{ linnworks_json_array_length(linnworks_json_field('element', nested_key, 'json')) }}) as row_count
        from elements

    ),
    {%- else -%}
    expected as (

        select sum({{ linnworks_json_array_length(list_column) }}) as row_count from parents

    ),
    {%- endif %}

    model_rows as (

        select count(*) as row_count from {{ model }}

    )

    select
        model_rows.row_count as model_row_count,
        expected.row_count as element_count
    from model_rows
    cross join expected
    where model_rows.row_count != coalesce(expected.row_count, 0)
{% endtest %}
