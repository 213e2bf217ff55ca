"""`elt demo` runs the whole daily job end to end from a fresh warehouse and says what it did."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path


def test_elt_demo_runs_end_to_end_and_revises_every_store(tmp_path: Path) -> None:
    env = {**os.environ, "ELT_DUCKDB_PATH": str(tmp_path / "demo.duckdb")}
    out = tmp_path / "revise"
    run = subprocess.run(
        [sys.executable, "-m", "loaders.cli", "demo", "--workdir", str(tmp_path / "files"), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "dbt build: passed" in run.stdout
    revised = dict(re.findall(r"^  ([A-Z]+) +(\d+)  .*\.csv$", run.stdout, flags=re.MULTILINE))
    assert set(revised) == {"AMS", "CPO", "RTG"}
    assert all(int(count) > 0 for count in revised.values())
    for store, count in revised.items():
        lines = (out / f"{store}.csv").read_text().splitlines()
        assert lines[0] == "Action,ItemID,SiteID,Currency,Quantity"
        assert len(lines) == int(count) + 1
    with zipfile.ZipFile(out / "ebay-revise.zip") as archive:
        assert sorted(archive.namelist()) == ["AMS.csv", "CPO.csv", "RTG.csv"]
    assert re.search(r"marts\.ebay +\d{3,}", run.stdout)
