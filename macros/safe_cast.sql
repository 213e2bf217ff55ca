{#- dbt-duckdb has no safe_cast of its own (the default is a plain cast, which fails on junk): use try_cast. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
