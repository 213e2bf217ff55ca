{{ linnworks_order_header('open_orders') }}
