"""Test support for the BigQuery target: a local BigQuery emulator (emulator.py, serve.py) and SQL checks.

`running_emulator()` installs local-bigquery 0.4.0 into its own cached Python 3.13 venv on first use, starts it
on a free 127.0.0.1 port and yields the endpoint, project and environment that dlt and dbt need. See
docs/bigquery.md ("Testing without Google Cloud") for what it covers and what it cannot.
"""
