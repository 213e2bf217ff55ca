{{ linnworks_stock_item('stock_items') }}
