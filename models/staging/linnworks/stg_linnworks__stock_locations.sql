{{ linnworks_stock_location('stock_locations') }}
