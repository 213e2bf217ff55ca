{{ linnworks_order_line('open_orders__items__composite_sub_items') }}
