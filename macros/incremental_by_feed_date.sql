{#-
    Config of an incremental model whose rows are replaced a whole feed date at a time: each run rebuilds the
    feed dates it selects (see `feed_dates_to_rebuild`) and leaves the others as they are; after each run the
    dates out of the retention window are deleted (`delete_outside_retention`).
    DuckDB: delete+insert on feed_date. BigQuery: insert_overwrite of the day partitions the run selects (the
    table is partitioned by feed_date), with the clustering and partition expiry given.

        {{ config(incremental_by_feed_date(cluster_by=['supplier'])) }}
-#}
{% macro incremental_by_feed_date(cluster_by=none, partition_expiration_days=none) -%}
    {%- set options = adapter.dispatch('incremental_by_feed_date')(cluster_by, partition_expiration_days) -%}
    {%- do options.update({'post_hook': ['{{ delete_outside_retention() }}']}) -%}
    {{ return(options) }}
{%- endmacro %}

{% macro default__incremental_by_feed_date(cluster_by, partition_expiration_days) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'feed_date',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro bigquery__incremental_by_feed_date(cluster_by, partition_expiration_days) -%}
    {%- set options = {
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': {'field': 'feed_date', 'data_type': 'date', 'granularity': 'day'},
        'on_schema_change': 'fail',
    } -%}
    {%- do options.update(storage_options(cluster_by=cluster_by, partition_expiration_days=partition_expiration_days)) -%}
    {{ return(options) }}
{%- endmacro %}


{#-
    A condition on `feed_date` selecting what an incremental build of this model must rebuild: on a full
    build every date; on an incremental one the feed dates loaded since this model was last built (rows of
    `relation` whose `loaded_at` is newer than the newest `loaded_at` in the model), or every date when
    `rebuild_all_when` (a SQL condition, e.g. "the product master was replaced since") holds.
-#}
{% macro feed_dates_to_rebuild(relation, rebuild_all_when=none) -%}
    {%- if is_incremental() -%}
    (
        feed_date in (
            select distinct feed_date from {{ relation }}
            where loaded_at > (
                select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }}
            )
        )
        {%- if rebuild_all_when %}
        or ({{ rebuild_all_when }})
        {%- endif %}
    )
    {%- else -%}
    (1 = 1)
    {%- endif -%}
{%- endmacro %}


{#- A condition: `relation` holds rows loaded after the newest `loaded_at` of the model being built. -#}
{% macro loaded_since_this(relation, where=none) -%}
    (
        select max(loaded_at) from {{ relation }}{% if where %} where {{ where }}{% endif %}
    ) > (
        select max(loaded_at) from {{ this }}
    )
{%- endmacro %}


{#-
    Today, for the feed-date window: var `elt_today` (unit tests set it), else env ELT_TODAY (YYYY-MM-DD; tests
    and replays of past days set it, and the loader reads the same), else the warehouse's current date.
-#}
{% macro feed_date_today() -%}
    {%- set fixed = var('elt_today', '') or env_var('ELT_TODAY', '') -%}
    {%- if fixed -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', fixed | string) -%}
            {{ exceptions.raise_compiler_error("ELT_TODAY (or var elt_today) must be a date, YYYY-MM-DD: " ~ fixed) }}
        {%- endif -%}
        cast('{{ fixed }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#-
    Feed dates are kept for `supplier_stock_retention_days` days counted back from today (`feed_date_today`),
    never from the newest feed date (one feed dated years ahead would otherwise push every other date out):
    `feed_date > retention_start()` keeps them.
-#}
{% macro retention_start() -%}
    cast({{ dbt.dateadd('day', -1 * var('supplier_stock_retention_days'), feed_date_today()) }} as date)
{%- endmacro %}

{#- The last feed date counted: `feed_date_days_ahead` days after today; later dates are ignored. -#}
{% macro feed_date_window_end() -%}
    cast({{ dbt.dateadd('day', var('feed_date_days_ahead'), feed_date_today()) }} as date)
{%- endmacro %}

{#- A condition: `column` is a feed date inside the window (after retention_start, up to the window's end). -#}
{% macro in_feed_date_window(column='feed_date') -%}
    ({{ column }} > {{ retention_start() }} and {{ column }} <= {{ feed_date_window_end() }})
{%- endmacro %}

{#- A post-hook: delete the feed dates of this model that are outside the window. -#}
{% macro delete_outside_retention() -%}
    delete from {{ this }} where not {{ in_feed_date_window() }}
{%- endmacro %}
