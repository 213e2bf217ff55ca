{{ linnworks_order_list('order_details__items__bin_racks') }}
