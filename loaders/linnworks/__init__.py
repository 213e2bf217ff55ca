"""Linnworks: the dlt source for its REST API, and a faithful local sandbox of that API (sandbox/)."""
