{{ linnworks_order_line('open_orders__items') }}
