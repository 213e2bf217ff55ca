{{ linnworks_order_line('order_details__items') }}
