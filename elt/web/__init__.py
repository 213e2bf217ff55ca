"""`elt serve`: the seller's web page over the warehouse (upload feeds, eBay files, stock, run history)."""
