"""Registers the `airbyte` marker, so the conformance test runs under --strict-markers as it is."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "airbyte: runs Airbyte's source-linnworks connector (own venv under ~/.cache) against the sandbox"
    )
