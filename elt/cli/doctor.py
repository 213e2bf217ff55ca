"""`elt doctor`: like `dbt debug`, for the whole tool: the target and warehouse, where dlt's config was found,
which sources are configured (the settings the others lack, never any value), a reachability and credential
check per configured source and the warehouse, the last complete build and who holds the lock. Ends "all checks
passed" (exit 0) or lists what to fix (exit 1).

The source checks are hand-written and short on purpose (one request, 10 s, no retries): the loaders' own
sessions retry for minutes, which is right for a load and wrong for a check.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from elt import logs
from elt.cli import main
from elt.cli.common import exit_for, target
from elt.targets import Target

TIMEOUT_SECONDS = 10
LINNWORKS_AUTH = "/api/Auth/AuthorizeByApplication"
DEFAULT_LINNWORKS_AUTH_URL = "https://api.linnworks.net"
# Where each source's `elt run` settings point: (dlt config section, setting, default).
LOCATIONS = {
    "products": ("supplier_stock", "products_url", None),
    "stores": ("supplier_stock", "stores_url", None),
    "supplier-stock": ("supplier_stock", "feeds_url", None),
    "linnworks": ("linnworks", "auth_url", DEFAULT_LINNWORKS_AUTH_URL),
    "wdn": ("wdn", "base_url", None),
    "badapi": ("badapi", "base_url", None),
}


@dataclass
class Checks:
    """What doctor found: each line printed as it is checked, the problems kept for the end."""

    problems: list[str] = field(default_factory=list)

    def ok(self, message: str) -> None:
        logs.echo(f"  ok    {message}")

    def note(self, message: str) -> None:
        logs.echo(f"  --    {message}")

    def fail(self, message: str, fix: str) -> None:
        logs.echo(f"  FAIL  {message}")
        self.problems.append(f"{message}: {fix}")


def _setting(section: str, name: str, default: str | None) -> str | None:
    import dlt

    return dlt.config.get(f"sources.{section}.{name}", str) or default


def check_location(where: str) -> tuple[bool, str]:
    """Whether a path or URL a source reads answers: a local file or folder exists, an http(s) URL answers at
    all (any status: the server is there), gs:// is left to the load (it needs the bucket's credentials)."""
    import requests

    if "{date}" in where and "://" not in where:  # a daily folder: today's may not have come yet
        today = where.replace("{date}", dt.date.today().isoformat())
        base = Path(where.split("{date}", 1)[0] or ".").expanduser()
        if Path(today).expanduser().exists():
            return True, f"{Path(today).expanduser().resolve()} exists"
        if base.exists():
            return True, f"{base.resolve()} exists (today's {Path(today).name} not there yet)"
        return False, f"{base.resolve()} does not exist"
    where = where.replace("{date}", dt.date.today().isoformat())
    if where.startswith(("http://", "https://")):
        try:
            response = requests.get(where, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            return False, f"{where} does not answer ({type(exc).__name__})"
        return True, f"{where} answers (HTTP {response.status_code})"
    if "://" in where:
        return True, f"{where} (not checked here: the load reads it with the bucket's credentials)"
    path = Path(where).expanduser()
    return (True, f"{path.resolve()} exists") if path.exists() else (False, f"{path.resolve()} does not exist")


def check_linnworks(auth_url: str) -> tuple[bool, str]:
    """One AuthorizeByApplication call with the configured credentials (their values never printed)."""
    import dlt
    import requests

    form = {
        "ApplicationId": dlt.secrets.get("sources.linnworks.application_id", str),
        "ApplicationSecret": dlt.secrets.get("sources.linnworks.application_secret", str),
        "Token": dlt.secrets.get("sources.linnworks.token", str),
    }
    url = f"{auth_url.rstrip('/')}{LINNWORKS_AUTH}"
    try:
        response = requests.post(url, data=form, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return False, f"{url} does not answer ({type(exc).__name__})"
    if response.status_code == 200:
        return True, f"Linnworks accepted the credentials ({url})"
    return False, f"Linnworks refused the credentials: HTTP {response.status_code} from {url}"


def check_ebay(checks: Checks) -> None:
    """Per store with a refresh token: the refresh-token grant against eBay's token endpoint (loaders/ebay/
    client.py's own exchange, one try of 10 s as every doctor check), so a revoked store fails by name; no value
    printed."""
    from loaders.ebay.client import EbayError, EbaySettings, TradingClient

    try:
        ebay = EbaySettings.from_config(retry_max_attempts=1, request_timeout_seconds=float(TIMEOUT_SECONDS))
    except ValueError as error:
        checks.fail(f"ebay: {error}", "fix the setting, then `elt doctor` again")
        return
    for store in ebay.stores:
        try:
            with TradingClient(ebay, store) as client:
                client.access_token()
        except EbayError as error:
            fix = f"replace SOURCES__EBAY__{store}__REFRESH_TOKEN or the client settings, then `elt doctor` again"
            checks.fail(f"ebay: store {store}: {error.message}", fix)
        else:
            checks.ok(f"ebay: store {store}: eBay accepted the refresh token ({ebay.token_url})")


def _check_warehouse(chosen: Target, checks: Checks) -> None:
    try:
        if not chosen.exists():
            checks.note(f"no warehouse at {chosen.describe()} yet: the first load creates it")
            return
        datasets = sorted(chosen.datasets_with_tables())
    except Exception as exc:  # a BigQuery project we cannot reach, a DuckDB file another process holds
        checks.fail(f"cannot read {chosen.describe()} ({type(exc).__name__}: {exc})", "check the credentials")
        return
    checks.ok(f"warehouse readable: {len(datasets)} datasets ({', '.join(datasets) or 'none yet'})")


def _check_lock(chosen: Target, checks: Checks) -> None:
    from elt.lock import lock_path

    path = lock_path(chosen)
    if chosen.name != "duckdb" or not path.exists():
        checks.note("lock: free")
        return
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip() or "another process"
            checks.note(f"lock: held by {holder} (writing commands wait for it)")
            return
        fcntl.flock(handle, fcntl.LOCK_UN)
    checks.note("lock: free")


def _check_build(chosen: Target, checks: Checks) -> None:
    from elt.guard import build_refusal, last_build

    record = last_build(chosen)
    if record is None:
        checks.note("last complete build: none yet (`elt transform` after the first load)")
        return
    refusal = build_refusal(chosen)
    line = f"last complete build: {record.status}, started {record.started_at}"
    if refusal:
        checks.fail(line, refusal.splitlines()[0])
    else:
        checks.ok(line)


def run_checks(chosen: Target) -> Checks:
    from elt.targets import dlt_config_dir
    from loaders.registry import SOURCES

    checks = Checks()
    checks.ok(f"target {chosen.describe()}")
    config_dir = dlt_config_dir()
    files = [name for name in ("config.toml", "secrets.toml") if (config_dir / name).exists()]
    if files:
        checks.ok(f"dlt config: {config_dir} ({', '.join(files)}); environment variables override it")
    else:
        checks.note(f"dlt config: no {config_dir}; settings come from environment variables only")
    _check_warehouse(chosen, checks)
    configured = []
    for source in SOURCES:
        missing = source.missing()
        if missing:
            checks.note(f"{source.name}: not configured (set {', '.join(missing)})")
            continue
        configured.append(source.name)
        if source.name == "ebay":
            check_ebay(checks)
            continue
        location = LOCATIONS.get(source.name)
        if location is None:
            checks.ok(f"{source.name}: configured (no check for this source yet)")
            continue
        where = _setting(*location)
        check: Callable[[str], tuple[bool, str]] = check_linnworks if source.name == "linnworks" else check_location
        passed, message = check(str(where))
        if passed:
            checks.ok(f"{source.name}: {message}")
        else:
            checks.fail(f"{source.name}: {message}", "fix the setting or the service, then `elt doctor` again")
    if not configured:
        checks.fail("no source is configured", "set one source's settings (docs/configuration.md)")
    _check_build(chosen, checks)
    _check_lock(chosen, checks)
    return checks


@main.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the setup: target and warehouse, dlt config, each source's settings and service, the last build,
    the lock. Prints "all checks passed" or what to fix; exit 1 when something needs fixing.

    \b
    Example:
      elt doctor
      elt doctor --target bigquery
    """
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    checks = run_checks(target(ctx))
    if checks.problems:
        logs.warn(f"{len(checks.problems)} to fix:")
        for problem in checks.problems:
            logs.warn(f"  - {problem}")
    else:
        logs.echo("all checks passed")
    exit_for(not checks.problems)
