"""What the test suites share: warehouses and workbooks written on the fly, the Linnworks ground truth, the crash
harness, the production image built here, the BigQuery emulator. Suites import from here, never from each other."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The repository (the dbt project's root): the folder subprocesses of the suites run in."""
