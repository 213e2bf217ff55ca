{{ linnworks_order_list('open_orders__items__bin_racks') }}
