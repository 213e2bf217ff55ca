{{ linnworks_order_list('open_orders__items__composite_sub_items__bin_racks') }}
