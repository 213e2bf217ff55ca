"""One logging setup (elt.logs, issue 15 item 3): under JSON, our lines, dlt's own logger (even after dlt
re-initialises it for a pipeline), the crash-recovery code's logger and dbt's events are JSON objects with a Cloud
Logging severity, all on stdout in order; as text, warnings and errors go to stderr with a prefix; a secret
held in the environment is replaced by *** whoever logs it; -q keeps warnings only."""

from __future__ import annotations

import json
import logging

import pytest

from elt import logs


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    yield
    logs.setup(0, json_lines=False)


def test_json_lines_carry_every_loggers_records_with_a_severity(capsys: pytest.CaptureFixture[str]) -> None:
    from dlt.common import logger as dlt_logger
    from dlt.common.configuration.specs import RuntimeConfiguration
    from dlt.common.runtime.init import initialize_runtime

    logs.setup(0, json_lines=True)
    initialize_runtime("dlt", RuntimeConfiguration())  # what every dlt pipeline does
    logs.echo("loaded 3 rows", loader="products")
    dlt_logger.LOGGER.error("dlt says so")  # dlt keeps its own level (RUNTIME__LOG_LEVEL; ERROR here)
    logging.getLogger("loaders.recovery").info("put an interrupted package right")
    logs.dbt_event("error", "Runtime Error in model ebay")

    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert err == ""
    assert [(r["severity"], r["logger"], r["message"]) for r in records] == [
        ("INFO", "elt", "loaded 3 rows"),
        ("ERROR", "dlt", "dlt says so"),
        ("INFO", "loaders.recovery", "put an interrupted package right"),
        ("ERROR", "dbt_events", "Runtime Error in model ebay"),
    ]
    assert records[0]["loader"] == "products" and records[3]["source"] == "dbt"


def test_text_puts_warnings_on_stderr_and_quiet_keeps_only_them(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup(0, json_lines=False)
    logs.echo("loaded")
    logs.warn("nothing to load")
    logs.error("the file is broken")
    out, err = capsys.readouterr()
    assert out == "loaded\n" and err == "warning: nothing to load\nerror: the file is broken\n"

    logs.setup(-1, json_lines=False)
    logs.echo("loaded")
    logs.warn("still said")
    out, err = capsys.readouterr()
    assert out == "" and err == "warning: still said\n"


def test_a_secret_from_the_environment_never_reaches_a_log_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__LINNWORKS__APPLICATION_SECRET", "s3cr3t-value-123")
    for json_lines in (True, False):
        logs.setup(1, json_lines=json_lines)
        logging.getLogger("urllib3").info("POST body ApplicationSecret=s3cr3t-value-123")
        logs.echo("token s3cr3t-value-123 in a message")
    out, err = capsys.readouterr()
    assert "s3cr3t-value-123" not in out + err
    assert out.count("***") == 4
