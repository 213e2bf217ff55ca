{#-
    The day supplier feed ages are counted to: var `stale_as_of` (YYYY-MM-DD) when given (tests, a rerun for a
    past day), else today as the feed-date window counts it (`feed_date_today`: ELT_TODAY when set, else the
    build's current date).
-#}
{% macro stale_as_of() -%}
    {%- if var('stale_as_of', none) -%}
        cast('{{ var("stale_as_of") }}' as date)
    {%- else -%}
        {{ feed_date_today() }}
    {%- endif -%}
{%- endmacro %}
