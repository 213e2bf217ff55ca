{{ linnworks_order_header('order_details') }}
