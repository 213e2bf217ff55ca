"""What Drops Now: dlt sources for its sneaker API (source.py) and the pipeline run (pipeline.py); spec.py declares
it to the application."""
