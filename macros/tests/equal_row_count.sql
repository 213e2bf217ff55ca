{#-
    Fails when the model and `compare_model` (a ref or a source) have different numbers of rows: a staging model
    that must keep every raw row. A compare relation that does not exist counts 0 rows (dlt creates a child table
    only once it has a row).
-#}
{% test equal_row_count(model, compare_model) %}
    {%- set compare_exists = true -%}
    {%- if execute and compare_model.identifier is defined -%}
        {%- set compare_exists = adapter.get_relation(
            database=compare_model.database,
            schema=compare_model.schema,
            identifier=compare_model.identifier,
        ) is not none -%}
    {%- endif %}
    with

    model_rows as (

        select count(*) as row_count from {{ model }}

    ),

    compare_rows as (

        {% if compare_exists -%}
        select count(*) as row_count from {{ compare_model }}
        {%- else -%}
        select 0 as row_count
        {%- endif %}

    )

    select
        model_rows.row_count as model_row_count,
        compare_rows.row_count as compare_row_count

    from model_rows
    cross join compare_rows
    where model_rows.row_count <> compare_rows.row_count
{% endtest %}
