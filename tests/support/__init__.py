"""What the test suites share: warehouses and workbooks written on the fly, the Linnworks ground truth, the crash
harness, the production image built here, the BigQuery emulator. Suites import from here, never from each other."""
