"""Airbyte's own Linnworks connector reads all five of its streams from the sandbox without an error.

The connector (`airbyte-source-linnworks==0.1.66`) pins airbyte-cdk 0.80, pendulum 2, requests-cache and
vcrpy, which clash with the project's dependencies, so it lives in its own venv under the cache dir
(`$ELT_AIRBYTE_VENV`, else `$XDG_CACHE_HOME/elt-airbyte-venv`, else `~/.cache/elt-airbyte-venv`), built
on first use with `python3 -m venv` + pip and reused. When that install fails the test is skipped with a
reason that says so; any other failure fails it. The connector hard-codes the Linnworks auth URL, so it
is started through run_source_linnworks.py (see its docstring).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sandboxes.linnworks import Sandbox, running_sandbox

AIRBYTE_PACKAGE = "airbyte-source-linnworks==0.1.66"
AUTH = "/api/Auth/AuthorizeByApplication"
WRAPPER = Path(__file__).with_name("run_source_linnworks.py")
# stream -> (the sandbox count it must equal, its primary key)
STREAMS = {
    "stock_locations": ("locations", "StockLocationIntId"),
    "stock_location_details": ("locations", "StockLocationIntId"),
    "stock_items": ("items", "StockItemIntId"),
    "processed_orders": ("processed_orders", "nOrderId"),
    "processed_order_details": ("processed_orders", "NumOrderId"),
}


def airbyte_python() -> Path:
    """The python of the connector's venv, installing it first if needed (skips if that fails)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = Path(os.environ.get("ELT_AIRBYTE_VENV") or cache / "elt-airbyte-venv")
    python = venv / "bin" / "python"
    marker = venv / f".installed-{AIRBYTE_PACKAGE.replace('==', '-')}"
    if marker.exists() and python.exists():
        return python
    steps = [] if python.exists() else [[shutil.which("python3") or sys.executable, "-m", "venv", str(venv)]]
    steps.append([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", AIRBYTE_PACKAGE])
    for step in steps:
        try:
            result = subprocess.run(step, capture_output=True, text=True, timeout=1500)
        except subprocess.TimeoutExpired:
            pytest.skip(f"AIRBYTE CONFORMANCE NOT RUN: installing {AIRBYTE_PACKAGE} timed out ({' '.join(step)})")
        if result.returncode != 0:
            tail = (result.stderr or result.stdout)[-1500:]
            pytest.skip(
                f"AIRBYTE CONFORMANCE NOT RUN: could not install {AIRBYTE_PACKAGE} into {venv} "
                f"({' '.join(step[:4])} exited {result.returncode}): {tail}"
            )
    marker.write_text(AIRBYTE_PACKAGE + "\n")
    return python


def run_connector(python: Path, sandbox: Sandbox, workdir: Path, *args: str) -> list[dict[str, Any]]:
    """Run `source-linnworks ARGS` against the sandbox; its Airbyte protocol messages."""
    env = {**os.environ, "LINNWORKS_AUTH_URL": sandbox.url + AUTH}
    result = subprocess.run(
        [str(python), str(WRAPPER), *args], capture_output=True, text=True, cwd=workdir, env=env, timeout=600
    )
    assert result.returncode == 0, f"source-linnworks {args[0]} exited {result.returncode}:\n{result.stderr[-4000:]}"
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def configured_catalog(catalog: dict[str, Any]) -> dict[str, Any]:
    """Every discovered stream, incremental where the connector supports it (as Airbyte users run it)."""
    streams = []
    for stream in catalog["streams"]:
        incremental = "incremental" in stream["supported_sync_modes"]
        streams.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental else "full_refresh",
                "destination_sync_mode": "append",
                "cursor_field": stream.get("default_cursor_field", []) if incremental else [],
            }
        )
    return {"streams": streams}


@pytest.mark.airbyte
def test_airbytes_linnworks_connector_reads_all_five_streams_from_the_sandbox(tmp_path: Path) -> None:
    python = airbyte_python()
    # 400 items are exactly two full pages, so the connector also meets the 400 "No items found" page.
    with running_sandbox(seed=5, items=400, orders=1000) as sandbox:
        start = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%dT00:00:00Z")
        (tmp_path / "config.json").write_text(json.dumps({**sandbox.credentials, "start_date": start}))
        discovered = run_connector(python, sandbox, tmp_path, "discover", "--config", "config.json")
        [catalog] = [message["catalog"] for message in discovered if message["type"] == "CATALOG"]
        (tmp_path / "catalog.json").write_text(json.dumps(configured_catalog(catalog)))
        messages = run_connector(
            python, sandbox, tmp_path, "read", "--config", "config.json", "--catalog", "catalog.json"
        )
        counts = sandbox.data.counts()
        stats = sandbox.stats()

    errors = [m for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    errors += [m for m in messages if m["type"] == "LOG" and m["log"]["level"] in ("ERROR", "FATAL")]
    assert errors == []
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in STREAMS}
    for message in messages:
        if message["type"] == "RECORD":
            records[message["record"]["stream"]].append(message["record"]["data"])
    schemas = {stream["name"]: stream["json_schema"] for stream in catalog["streams"]}
    assert set(schemas) == set(STREAMS)
    for name, (count_key, key) in STREAMS.items():
        rows = records[name]
        assert len(rows) == counts[count_key], name
        assert len({row[key] for row in rows}) == len(rows), f"duplicate {key} in {name}"
        validator = jsonschema.Draft7Validator(schemas[name])
        for row in rows:
            problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(row)]
            assert not problems, f"{name} record breaks the connector's schema: {problems[:5]}"
    assert stats["status_401"] == stats["status_429"] == stats["faults"] == 0
    assert set(stats["by_method"]["GetStockItemsFull"]["statuses"]) == {"200", "400"}
