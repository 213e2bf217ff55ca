{#-
    An amount rounded to whole cents (half away from zero) as type_decimal(), alike on DuckDB and BigQuery. DuckDB's
    avg() of a decimal is a DOUBLE, and round() of a double goes by its binary value (the average of 1.00 and 1.01 is
    1.005, stored as 1.00499…, rounded to 1.00); as a decimal first (BigQuery's avg() of a NUMERIC is one already)
    it rounds as the decimal it stands for, 1.01, on both.
-#}
{% macro round_to_cents(amount) -%}
    cast(round(cast({{ amount }} as {{ type_decimal() }}), 2) as {{ type_decimal() }})
{%- endmacro %}
