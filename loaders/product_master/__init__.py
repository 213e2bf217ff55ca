"""The product master workbook: the dlt resource and its load (source.py); spec.py declares it to the
application."""
