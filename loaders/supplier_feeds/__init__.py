"""Supplier stock feeds: the dlt resource and its load (source.py), layout checks, supplier layouts; spec.py
declares it to the application."""
