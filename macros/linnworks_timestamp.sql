{#-
    A Linnworks date-time as a UTC timestamp, null when unset. Linnworks sends non-nullable .NET DateTimes it never
    set as `0001-01-01T00:00:00Z` (dCancelledOn of an order never cancelled): anything before 0001-01-02 is null.
    dlt lands date-times as timestamptz on DuckDB (made a UTC timestamp without zone here, whatever the session's
    TimeZone) and as TIMESTAMP (always UTC) on BigQuery.
-#}
{% macro linnworks_timestamp(column) -%}
    {{ return(adapter.dispatch('linnworks_timestamp')(column)) }}
{%- endmacro %}

{% macro default__linnworks_timestamp(column) -%}
    case
        when cast({{ column }} as timestamp) >= cast('0001-01-02 00:00:00' as timestamp)
            then cast({{ column }} as timestamp)
    end
{%- endmacro %}

{% macro duckdb__linnworks_timestamp(column) -%}
    case
        when timezone('UTC', cast({{ column }} as timestamp with time zone)) >= cast('0001-01-02 00:00:00' as timestamp)
            then timezone('UTC', cast({{ column }} as timestamp with time zone))
    end
{%- endmacro %}
