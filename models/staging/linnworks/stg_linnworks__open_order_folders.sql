{{ linnworks_order_list('open_orders__folder_name') }}
