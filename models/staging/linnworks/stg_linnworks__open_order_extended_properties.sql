{{ linnworks_order_list('open_orders__extended_properties') }}
