{{ linnworks_order_list('order_details__extended_properties') }}
