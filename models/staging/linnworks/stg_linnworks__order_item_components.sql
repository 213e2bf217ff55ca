{{ linnworks_order_line('order_details__items__composite_sub_items') }}
