{#-
    Stock items land their sub-collections (Suppliers, ItemChannelTitles, ItemChannelDescriptions, ItemChannelPrices
    with their Rules, ItemExtendedProperties, Images) as JSON text columns of raw_linnworks.stock_items, one row per
    item, so the loader does not unnest them row by row in Python (docs/sources/linnworks.md, "Raw layout"); staging
    unnests them here, in the warehouse. The rows keep dlt's child-table keys: `_dlt_parent_id` is the parent's
    `_dlt_id`, `_dlt_list_idx` the element's 0-based position, `_dlt_id` an md5 of both and the list's name.

        {{ linnworks_json_elements('parents', '_dlt_id', 'images', 'images') }}

    selects `_dlt_parent_id`, `_dlt_list_idx`, `_dlt_id` and `element` (one JSON object) for each element of the JSON
    array `json_array` (SQL over `relation`: a text column, or a `linnworks_json_field(..., 'json')`). Null and `[]`
    give no rows.
-#}
{% macro linnworks_json_elements(relation, parent_id, json_array, list_name) -%}
    {{ return(adapter.dispatch('linnworks_json_elements')(relation, parent_id, json_array, list_name)) }}
{%- endmacro %}

{% macro default__linnworks_json_elements(relation, parent_id, json_array, list_name) -%}
    select
        {{ relation }}.{{ parent_id }} as _dlt_parent_id,
        elements.position - 1 as _dlt_list_idx,
        md5(concat({{ relation }}.{{ parent_id }}, '.{{ list_name }}.', cast(elements.position - 1 as varchar))) as _dlt_id,
        elements.element
    from {{ relation }}
    cross join unnest(cast({{ json_array }} as json [])) with ordinality as elements (element, position)
{%- endmacro %}

{% macro bigquery__linnworks_json_elements(relation, parent_id, json_array, list_name) -%}
    select
        {{ relation }}.{{ parent_id }} as _dlt_parent_id,
        json_position as _dlt_list_idx,
        to_hex(md5(concat({{ relation }}.{{ parent_id }}, '.{{ list_name }}.', cast(json_position as string)))) as _dlt_id,
        json_element as element
    from {{ relation }}
    cross join unnest(json_query_array({{ json_array }})) as json_element with offset as json_position
{%- endmacro %}

{#- Member `key` (as the API spells it) of the JSON object `element`, as `kind` (linnworks_type's kinds, or `json`
    for a nested array or object to pass to linnworks_json_elements). A missing member or JSON null is null. -#}
{% macro linnworks_json_field(element, key, kind) -%}
    {{ return(adapter.dispatch('linnworks_json_field')(element, key, kind)) }}
{%- endmacro %}

{% macro default__linnworks_json_field(element, key, kind) -%}
    {%- if kind == 'json' -%}
        json_extract({{ element }}, '$.{{ key }}')
    {%- elif kind == 'string' -%}
        json_extract_string({{ element }}, '$.{{ key }}')
    {%- else -%}
        cast(json_extract_string({{ element }}, '$.{{ key }}') as {{ linnworks_type(kind) }})
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__linnworks_json_field(element, key, kind) -%}
    {%- if kind == 'json' -%}
        json_query({{ element }}, '$.{{ key }}')
    {%- elif kind == 'string' -%}
        json_value({{ element }}, '$.{{ key }}')
    {%- else -%}
        cast(json_value({{ element }}, '$.{{ key }}') as {{ linnworks_type(kind) }})
    {%- endif -%}
{%- endmacro %}

{#- The rows of stock-item sub-collection `list_column` (a JSON text column of raw stock_items): `fields` maps each
    output column (dlt's snake_case name of the member, as the child table had it) to [API key, kind]. Selects those
    columns and `_dlt_id`, `_dlt_parent_id`, `_dlt_list_idx`. -#}
{% macro linnworks_stock_item_list(list_column, fields) -%}
    (
        with

        parents as (

            select * from {{ source_or_empty('linnworks', 'stock_items', linnworks_columns({
                '_dlt_id': 'string',
                list_column: 'string',
            })) }}

        ),

        elements as (

            {{ linnworks_json_elements('parents', '_dlt_id', 'parents.' ~ list_column, list_column) }}

        )

        select
        {%- for name, (key, kind) in fields.items() %}
            {{ linnworks_json_field('elements.element', key, kind) }} as {{ name }},
        {%- endfor %}
            elements._dlt_id,
            elements._dlt_parent_id,
            elements._dlt_list_idx
        from elements
    ) as raw_stock_items__{{ list_column }}
{%- endmacro %}

{#- The number of elements of the JSON array `json_array` (0 for null). -#}
{% macro linnworks_json_array_length(json_array) -%}
    {{ return(adapter.dispatch('linnworks_json_array_length')(json_array)) }}
{%- endmacro %}

{% macro default__linnworks_json_array_length(json_array) -%}
    coalesce(json_array_length({{ json_array }}), 0)
{%- endmacro %}

{% macro bigquery__linnworks_json_array_length(json_array) -%}
    coalesce(array_length(json_query_array({{ json_array }})), 0)
{%- endmacro %}
