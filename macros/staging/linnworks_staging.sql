{#-
    The staging model of one raw Linnworks table: a `source` CTE reading exactly `columns` (raw column name to
    string, bigint, double, boolean or timestamp; see source_or_empty), a `renamed` CTE selecting what the call
    block gives, then `select * from renamed`. Used by the macros of the staging shapes Linnworks repeats:

        {% call linnworks_staging('stock_locations', {'stock_location_id': 'string'}) %}
            stock_location_id as location_id
        {% endcall %}
-#}
{% macro linnworks_staging(table_name, columns) -%}
with

source as (

    select * from {{ source_or_empty('linnworks', table_name, linnworks_columns(columns)) }}

),

renamed as (

    select
        {{- caller() }}

    from source

)

select * from renamed
{%- endmacro %}


{#-
    The staging model of a raw table dlt made of a list nested in an order (order_details or open_orders): the
    columns and select list the call block gives, then the lineage dlt gives every nested row (its own id, its
    parent's and its root order's, its position in the list).
-#}
{% macro linnworks_order_child(table_name, columns) -%}
    {%- set fields = caller() -%}
    {%- set columns = dict(columns) -%}
    {%- do columns.update({
        '_dlt_id':        'string',
        '_dlt_parent_id': 'string',
        '_dlt_root_id':   'string',
        '_dlt_list_idx':  'bigint',
    }) -%}
    {%- call linnworks_staging(table_name, columns) -%}
        {{ fields }}
        _dlt_id as dlt_id,
        _dlt_parent_id as dlt_parent_id,
        _dlt_root_id as dlt_root_id,
        _dlt_list_idx as dlt_list_index
    {%- endcall -%}
{%- endmacro %}
