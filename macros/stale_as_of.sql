{#-
    The day supplier feed ages are counted to: var `stale_as_of` (YYYY-MM-DD) when given (tests, a rerun for a
    past day), else the build's current date (UTC on BigQuery; the session's time zone on DuckDB).
-#}
{% macro stale_as_of() -%}
    {%- if var('stale_as_of', none) -%}
        cast('{{ var("stale_as_of") }}' as date)
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- endif -%}
{%- endmacro %}
