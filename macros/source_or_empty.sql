{#-
    A raw table of source `source_name` with exactly the columns given, whether or not the loader has created the
    table or every column yet. Loaders create a table only once they have rows for it (dlt creates a child table once
    some record has an element in that list: a seller without kits has no composite_sub_items tables; load_errors
    appears after the first rejected file) and dlt a column only once some value in it is not null: a missing table
    reads as no rows, a missing column as nulls of its type. In a unit test the mocked source is used as it is.
    `columns` maps raw column names (lower case) to SQL types; `linnworks_columns()` spells the types for Linnworks.
-#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute or relation.type == 'cte' -%}
        {{ relation }}
    {%- else -%}
        {#- Asked of the warehouse, not of dbt's relation cache (filled when the build starts, it once missed a
            table a loader had just created): no columns means no table. -#}
        {%- set present = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
        (
            select
            {%- for name, data_type in columns.items() %}
                {% if name in present -%}
                    {{ name }}
                {%- else -%}
                    cast(null as {{ data_type }}) as {{ name }}
                {%- endif -%}
                {{ "," if not loop.last }}
            {%- endfor %}
            {% if present -%}
            from {{ relation }}
            {%- else -%}
            from (select 1 as one) as nothing
            where 1 = 0
            {%- endif %}
        ) as raw_{{ table_name }}
    {%- endif -%}
{%- endmacro %}
