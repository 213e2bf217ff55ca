{#-
    Select from a source table when it exists, else from an empty relation with the given columns and types.
    For raw tables a loader creates only when it has something to say (load_errors exists after the first
    rejected file).
-#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=source_relation.database,
            schema=source_relation.schema,
            identifier=source_relation.identifier,
        ) -%}
    {%- endif -%}
    {%- if existing is not none -%}
        {{ source_relation }}
    {%- else -%}
        (
            select
            {%- for name, data_type in columns.items() %}
                cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
            from (select 1 as one) as nothing
            where 1 = 0
        )
    {%- endif -%}
{%- endmacro %}
