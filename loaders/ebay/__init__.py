"""eBay: each store's active listings through the Trading API (GetMyeBaySelling) into `raw_ebay`, and the client
(client.py: OAuth token exchange, Trading calls, typed errors) that the push to eBay uses too."""
