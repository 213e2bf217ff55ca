{#-
    Select from a source table when it exists, else from an empty relation with the given columns and types.
    For raw tables a loader creates only when it has something to say (load_errors exists after the first
    rejected file).
-#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {#- Asked of the warehouse (no columns: no table), not of dbt's relation cache. -#}
        {%- set existing = source_relation if adapter.get_columns_in_relation(source_relation) else none -%}
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
