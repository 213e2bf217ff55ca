{{ linnworks_order_list('open_orders__notes') }}
