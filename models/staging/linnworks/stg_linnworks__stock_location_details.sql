{{ linnworks_stock_location('stock_location_details') }}
