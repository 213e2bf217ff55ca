"""Benchmarks: `make bench` (full) or `make bench-quick`. They measure; the test suite verifies."""
