{#-
    A raw Linnworks table (source `linnworks`) with exactly the columns given. dlt creates a child table only once
    some record has an element in that list, and a column only once some value in it is not null, so a seller
    without kits has no composite_sub_items tables and a column can appear later: a missing table reads as no
    rows, a missing column as nulls of its type. In a unit test the mocked source is used as it is.
    `columns` maps raw column names to a type from `linnworks_type` (string, bigint, double, boolean, timestamp).
-#}
{% macro linnworks_source(table_name, columns) -%}
    {%- set relation = source('linnworks', table_name) -%}
    {%- if not execute or relation.type == 'cte' -%}
        {{ relation }}
    {%- else -%}
        {#- Asked of the warehouse, not of dbt's relation cache (filled when the build starts, it once missed a
            table a loader had just created): no columns means no table. -#}
        {%- set present = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
        {%- set existing = relation if present else none -%}
        (
            select
            {%- for name, kind in columns.items() %}
                {% if name in present -%}
                    {{ name }}
                {%- else -%}
                    cast(null as {{ linnworks_type(kind) }}) as {{ name }}
                {%- endif -%}
                {{ "," if not loop.last }}
            {%- endfor %}
            {% if existing is not none -%}
            from {{ relation }}
            {%- else -%}
            from (select 1 as one) as nothing
            where 1 = 0
            {%- endif %}
        ) as raw_{{ table_name }}
    {%- endif -%}
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
