"""`elt run`: the daily job (every configured source, then `dbt build`)."""

from __future__ import annotations

import datetime as dt

import click

from elt.cli import main
from elt.cli.common import exit_for, locked


@main.command()
@click.option(
    "--date", "feed_date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="Feed date (default today)."
)
@click.pass_context
def run(ctx: click.Context, feed_date: dt.datetime | None) -> None:
    """Every configured loader, then `dbt build` (the daily job). LOG_FORMAT=json logs JSON lines for Cloud
    Logging; ALERT_WEBHOOK_URL receives the summary when the run fails. With nothing configured it warns and fails.

    \b
    Example:
      elt run
      elt run --date 2026-11-01 --target bigquery
    """
    from elt.daily import run_daily
    from elt.runs import RunLog
    from loaders.supplier_feeds.window import today as feed_today

    with locked(ctx) as target:
        outcome = run_daily(target, feed_date.date() if feed_date else feed_today(), RunLog())
    exit_for(outcome.ok)
