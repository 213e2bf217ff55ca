"""`elt sandbox ebay`: serve the eBay sandbox (token endpoint + Trading API) until Ctrl-C."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sandboxes.cli import check_faults, listen_options, serve_until_interrupted
from sandboxes.ebay.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EbaySandbox


@contextmanager
def serving() -> Iterator[dict[str, str]]:
    """An eBay sandbox on 127.0.0.1 holding the demo's store SpeedSheets' listings (sandboxes/samples.py); yields
    the settings that point the eBay loader at it. For a sandbox to hold and inspect, `sandboxes.ebay.serving()`."""
    from sandboxes.ebay.server import serving as sandbox_serving

    with sandbox_serving() as server:
        yield server.settings()


@click.command("ebay")
@listen_options(port=8767, seed_help="Seed of the listings' drift, ended listings and random faults.")
@click.option(
    "--workbook",
    "workbooks",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A store SpeedSheet to seed listings from (repeat) [default: the demo's sample SpeedSheets].",
)
@click.option("--client-id", default=DEFAULT_CLIENT_ID, show_default=True)
@click.option("--client-secret", default=DEFAULT_CLIENT_SECRET, show_default=True)
@click.option("--token-ttl-seconds", default=7200, show_default=True, type=click.IntRange(1))
@click.option("--burst-window-seconds", default=15.0, show_default=True, type=click.FloatRange(min=0.001))
@click.option(
    "--mixed-ack", default="Failure", show_default=True, type=click.Choice(["Failure", "Warning", "PartialFailure"])
)
@click.option(
    "--faults",
    default=None,
    callback=check_faults,
    help="Faults to inject, e.g. 'ReviseInventoryStatus#3=503,GetMyeBaySelling#2=drop,token#1=500' "
    "(targets token, GetMyeBaySelling, ReviseInventoryStatus; actions a 4xx/5xx status, drop, slow:S, "
    "truncate, quota, expire, badjson, nonjson).",
)
@click.option(
    "--revoke",
    "revoked",
    multiple=True,
    metavar="STORE",
    help="A store whose refresh token is rejected (invalid_grant), as when its seller revoked the app (repeat).",
)
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option("--verbose", "-v", is_flag=True, help="Print one line per API call.")
def sandbox(verbose: bool, workbooks: tuple[Path, ...], **options: Any) -> None:
    """Serve the eBay sandbox (OAuth token endpoint, GetMyeBaySelling, ReviseInventoryStatus) until Ctrl-C."""

    def banner(server: EbaySandbox) -> Iterator[str]:
        yield f"eBay sandbox listening on {server.url}"
        yield f"  token:   POST {server.url}/identity/v1/oauth2/token    Trading: POST {server.url}/ws/api.dll"
        for store, counts in server.data.counts().items():
            yield (
                f"  {store}: {counts['active']} active listings ({counts['drifted']} drifted from the workbook), "
                f"{counts['ended']} ended, {counts['auctions']} auctions"
            )
        yield "  settings (the loader and the push read them):"
        for name, value in server.settings().items():
            yield f"    {name}={value}"
        if options["faults"]:
            yield f"  faults: {options['faults']}"
        if options["revoked"]:
            yield f"  refresh tokens rejected: {', '.join(options['revoked'])}"

    serve_until_interrupted(
        EbaySandbox, banner, verbose=verbose, workbooks=list(workbooks) if workbooks else None, **options
    )
