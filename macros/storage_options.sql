{#-
    Warehouse storage options for a table model, as a config dict: on BigQuery the partitioning,
    clustering and partition expiry given; on DuckDB none (dbt-duckdb reads `partition_by` for DuckLake tables
    and rejects BigQuery's dict form, so the options must not reach it). Use at the top of a model:

        {{ config(storage_options(
            partition_by={'field': 'processed_date', 'data_type': 'date', 'granularity': 'day'},
            cluster_by=['source'],
        )) }}
-#}
{% macro storage_options(partition_by=none, cluster_by=none, partition_expiration_days=none, require_partition_filter=none) -%}
    {{ return(adapter.dispatch('storage_options')(partition_by, cluster_by, partition_expiration_days, require_partition_filter)) }}
{%- endmacro %}

{% macro default__storage_options(partition_by, cluster_by, partition_expiration_days, require_partition_filter) -%}
    {{ return({}) }}
{%- endmacro %}

{% macro bigquery__storage_options(partition_by, cluster_by, partition_expiration_days, require_partition_filter) -%}
    {%- set options = {} -%}
    {%- if partition_by is not none -%}
        {%- do options.update({'partition_by': partition_by}) -%}
    {%- endif -%}
    {%- if cluster_by is not none -%}
        {%- do options.update({'cluster_by': cluster_by}) -%}
    {%- endif -%}
    {%- if partition_expiration_days is not none -%}
        {%- do options.update({'partition_expiration_days': partition_expiration_days | int}) -%}
    {%- endif -%}
    {%- if require_partition_filter is not none -%}
        {%- do options.update({'require_partition_filter': require_partition_filter}) -%}
    {%- endif -%}
    {{ return(options) }}
{%- endmacro %}
