{#-
    A Linnworks reference as text, null when it is the all-zero GUID Linnworks sends for "none" (no postal service,
    no package group, the stock item of an unlinked order line). Not for location ids: the Default location's id
    is the all-zero GUID.
-#}
{% macro linnworks_nullif_zero_guid(column) -%}
    nullif({{ column }}, '00000000-0000-0000-0000-000000000000')
{%- endmacro %}
