{#-
    Raw Linnworks columns with their warehouse types as dlt lands them, for `source_or_empty`: `kinds` maps each
    column name to string, bigint, double, boolean or timestamp.

        {{ source_or_empty('linnworks', 'stock_items', linnworks_columns({'stock_item_id': 'string'})) }}
-#}
{% macro linnworks_columns(kinds) -%}
    {%- set columns = {} -%}
    {%- for name, kind in kinds.items() -%}
        {%- do columns.update({name: linnworks_type(kind)}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The warehouse type of a raw Linnworks column as dlt lands it: string, bigint, double, boolean or timestamp. -#}
{% macro linnworks_type(kind) -%}
    {{ return(adapter.dispatch('linnworks_type')(kind)) }}
{%- endmacro %}

{% macro default__linnworks_type(kind) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'bigint': dbt.type_bigint(),
        'double': 'double',
        'boolean': dbt.type_boolean(),
        'timestamp': 'timestamp with time zone',
    } -%}
    {{ return(types[kind]) }}
{%- endmacro %}

{% macro bigquery__linnworks_type(kind) -%}
    {%- set types = {
        'string': 'string',
        'bigint': 'int64',
        'double': 'float64',
        'boolean': 'bool',
        'timestamp': 'timestamp',
    } -%}
    {{ return(types[kind]) }}
{%- endmacro %}
