{#-
    The staging model of a Linnworks stock item as StockItemFull comes: in stock_items from the paged listing
    (Stock/GetStockItemsFull, with package_group_name and is_variation_parent) and in stock_item_details from
    Stock/GetStockItemsFullByIds (with is_composite_parent instead).
-#}
{% macro linnworks_stock_item(table_name) -%}
{%- set columns = {
    'stock_item_id':               'string',
    'stock_item_int_id':           'bigint',
    'item_number':                 'string',
    'item_title':                  'string',
    'barcode_number':              'string',
    'meta_data':                   'string',
    'category_id':                 'string',
    'category_name':               'string',
    'postal_service_id':           'string',
    'postal_service_name':         'string',
    'package_group_id':            'string',
    'purchase_price':              'double',
    'retail_price':                'double',
    'tax_rate':                    'double',
    'weight':                      'double',
    'height':                      'double',
    'width':                       'double',
    'depth':                       'double',
    'inventory_tracking_type':     'bigint',
    'is_batched_stock_type':       'boolean',
    'batch_number_scan_required':  'boolean',
    'serial_number_scan_required': 'boolean',
    'creation_date':               'timestamp',
    '_dlt_load_id':                'string',
    '_dlt_id':                     'string',
} -%}
{%- if table_name == 'stock_items' -%}
    {%- do columns.update({'package_group_name': 'string', 'is_variation_parent': 'boolean'}) -%}
{%- else -%}
    {%- do columns.update({'is_composite_parent': 'boolean'}) -%}
{%- endif -%}
{%- call linnworks_staging(table_name, columns) %}
        stock_item_id,
        stock_item_int_id,
        item_number as sku,
        item_title as title,
        nullif(trim(barcode_number), '') as barcode,
        nullif(trim(meta_data), '') as description,
        {{ linnworks_nullif_zero_guid('category_id') }} as category_id,
        category_name,
        {{ linnworks_nullif_zero_guid('postal_service_id') }} as postal_service_id,
        nullif(trim(postal_service_name), '') as postal_service_name,
        {{ linnworks_nullif_zero_guid('package_group_id') }} as package_group_id,
{%- if table_name == 'stock_items' %}
        nullif(trim(package_group_name), '') as package_group_name,
{%- endif %}
        purchase_price,
        retail_price,
        tax_rate,
        weight,
        height,
        width,
        depth,
        inventory_tracking_type,
{%- if table_name == 'stock_items' %}
        is_variation_parent,
{%- else %}
        is_composite_parent,
{%- endif %}
        is_batched_stock_type as is_batched,
        batch_number_scan_required as is_batch_number_scan_required,
        serial_number_scan_required as is_serial_number_scan_required,
        {{ linnworks_timestamp('creation_date') }} as created_at,
        _dlt_load_id as load_id,
        _dlt_id as dlt_id
{%- endcall %}
{%- endmacro %}


{#-
    The staging model of a Linnworks stock location: stock_locations (Inventory/GetStockLocations) and
    stock_location_details (Locations/GetLocation) land the same fields.
-#}
{% macro linnworks_stock_location(table_name) -%}
{%- set columns = {
    'stock_location_id':                             'string',
    'stock_location_int_id':                         'bigint',
    'location_name':                                 'string',
    'location_tag':                                  'string',
    'address1':                                      'string',
    'address2':                                      'string',
    'city':                                          'string',
    'county':                                        'string',
    'country':                                       'string',
    'zip_code':                                      'string',
    'is_fulfillment_center':                         'boolean',
    'is_warehouse_managed':                          'boolean',
    'is_not_trackable':                              'boolean',
    'count_in_order_until_acknowledgement':          'boolean',
    'fulfilment_center_deduct_stock_when_processed': 'boolean',
    '_dlt_load_id':                                  'string',
    '_dlt_id':                                       'string',
} -%}
{%- call linnworks_staging(table_name, columns) %}
        stock_location_id as location_id,
        stock_location_int_id as location_int_id,
        location_name,
        nullif(trim(location_tag), '') as location_tag,
        nullif(trim(address1), '') as address1,
        nullif(trim(address2), '') as address2,
        nullif(trim(city), '') as city,
        nullif(trim(county), '') as county,
        nullif(trim(country), '') as country,
        nullif(trim(zip_code), '') as zip_code,
        is_fulfillment_center,
        is_warehouse_managed,
        is_not_trackable,
        count_in_order_until_acknowledgement as is_counted_in_order_until_acknowledged,
        fulfilment_center_deduct_stock_when_processed as is_stock_deducted_when_processed,
        _dlt_load_id as load_id,
        _dlt_id as dlt_id
{%- endcall %}
{%- endmacro %}
