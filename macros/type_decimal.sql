{#-
    The exact decimal type for money: BigQuery's NUMERIC, 38 digits with 9 after the point, on both targets (what
    dlt lands decimals as on both). A bare `numeric` is decimal(18, 3) on DuckDB, and BigQuery refuses a
    parameterized type (`numeric(38, 9)`) in CAST, so each target spells it its own way. Contracts name the same
    type per target in the models' YAML: "{{ 'numeric' if target.type == 'bigquery' else 'numeric(38, 9)' }}".
-#}
{% macro type_decimal() -%}
    {{ return(adapter.dispatch('type_decimal')()) }}
{%- endmacro %}

{% macro default__type_decimal() -%}
    {{ return('numeric(38, 9)') }}
{%- endmacro %}

{% macro bigquery__type_decimal() -%}
    {{ return('numeric') }}
{%- endmacro %}
