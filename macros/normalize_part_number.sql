{#- A part number or SKU as text we can match on: trimmed, upper case, without the `.0` a numeric cell leaves. -#}
{% macro normalize_part_number(column) -%}
    nullif(upper(regexp_replace(trim({{ column }}), '[.]0+$', '')), '')
{%- endmacro %}
