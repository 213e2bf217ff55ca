{{ linnworks_order_list('order_details__notes') }}
