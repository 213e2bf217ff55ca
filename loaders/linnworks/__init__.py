"""Linnworks: the dlt source for its REST API (source.py), its HTTP client (client.py) and the pipeline run
(pipeline.py); spec.py declares it to the application."""
