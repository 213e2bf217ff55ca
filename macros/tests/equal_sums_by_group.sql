{#-
    Fails for every group (values of `group_by`) whose sums of `columns` differ between the model and
    `compare_model` by more than `tolerance`, or that only one of them has: totals that a transformation must
    keep (stock per location from staging to the mart).
-#}
{% test equal_sums_by_group(model, compare_model, group_by, columns, tolerance=0) %}
    with

    model_sums as (

        select
            {{ group_by | join(', ') }},
            {%- for column in columns %}
            sum({{ column }}) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}

        from {{ model }}
        group by {{ group_by | join(', ') }}

    ),

    compare_sums as (

        select
            {{ group_by | join(', ') }},
            {%- for column in columns %}
            sum({{ column }}) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}

        from {{ compare_model }}
        group by {{ group_by | join(', ') }}

    )

    select
        {%- for key in group_by %}
        coalesce(model_sums.{{ key }}, compare_sums.{{ key }}) as {{ key }},
        {%- endfor %}
        {%- for column in columns %}
        model_sums.{{ column }} as model_{{ column }},
        compare_sums.{{ column }} as compare_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from model_sums
    full outer join compare_sums
        on {% for key in group_by -%}
            model_sums.{{ key }} = compare_sums.{{ key }}{{ " and " if not loop.last }}
        {%- endfor %}
    where {% for key in group_by -%}
            model_sums.{{ key }} is null or compare_sums.{{ key }} is null or
        {% endfor -%}
        {%- for column in columns %}
        not abs(coalesce(model_sums.{{ column }}, 0) - coalesce(compare_sums.{{ column }}, 0)) <= {{ tolerance }}
        {{- " or" if not loop.last }}
        {%- endfor %}
{% endtest %}
