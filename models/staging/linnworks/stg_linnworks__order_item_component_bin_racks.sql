{{ linnworks_order_list('order_details__items__composite_sub_items__bin_racks') }}
