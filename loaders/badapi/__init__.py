"""Reaktor's "bad API" (warehouse gloves, facemasks, beanies): dlt sources (source.py) and the pipeline run
(pipeline.py); spec.py declares it to the application."""
