{{ linnworks_stock_item('stock_item_details') }}
