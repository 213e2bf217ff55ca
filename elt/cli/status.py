"""`elt status`: what the warehouse holds now: the last runs, the last complete build and its outcome, each
source's newest load, each supplier's newest feed, what marts.ebay would revise, and what the last push did
(once `elt push ebay` has recorded one in raw_ebay). Text on a terminal, `--json` for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from elt import logs
from elt.cli import main
from elt.cli.common import target
from elt.targets import Target

PUSH_TABLE = ("raw_ebay", "revisions")
"""Where `elt push ebay` keeps every listing's outcome (read only when it exists)."""


def _rows(target: Target, sql: str) -> list[dict[str, Any]]:
    with target.connect() as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def source_freshness(target: Target) -> list[dict[str, Any]]:
    """Each source's newest completed load (dlt's `_dlt_loads` in its raw dataset); None when never loaded."""
    from loaders.registry import SOURCES

    present = target.datasets_with_tables() if target.exists() else set()
    out = []
    for dataset in dict.fromkeys(source.dataset for source in SOURCES):
        names = [s.name for s in SOURCES if s.dataset == dataset]
        newest = None
        if dataset in present and target.has_table(dataset, "_dlt_loads"):
            (newest,) = _rows(target, f"select max(inserted_at) as newest from {dataset}._dlt_loads where status = 0")[
                0
            ].values()  # dataset names come from the registry, not from input
        out.append({"dataset": dataset, "sources": names, "newest_load": newest})
    return out


def supplier_feeds(target: Target) -> list[dict[str, Any]]:
    if not target.has_table("marts", "supplier_feeds"):
        return []
    return _rows(
        target,
        "select supplier, max(feed_date) as newest_feed_date from marts.supplier_feeds group by supplier "
        "order by supplier",
    )


def ebay_revisions(target: Target) -> list[dict[str, Any]]:
    if not target.has_table("marts", "ebay"):
        return []
    return _rows(
        target,
        "select ebay_store, count(*) as listings, sum(case when quantity_delta <> 0 then 1 else 0 end) as to_revise "
        "from marts.ebay group by ebay_store order by ebay_store",
    )


def last_push(target: Target) -> list[dict[str, Any]] | None:
    """Per store, its newest push in raw_ebay.revisions as `elt push ebay` writes it (elt/push.py's
    REVISION_COLUMNS: a `sending` row per listing before the call, then its outcome, append-only): the push id,
    when it started and ended, and its listings counted by their final outcome (a listing still `sending` was
    cut off before eBay answered). None when nothing was ever pushed."""
    dataset, table = PUSH_TABLE
    if not target.has_table(dataset, table):
        return None
    rows = _rows(
        target,
        f"""
        with pushes as (
            select ebay_store, push_id, min(attempted_at) as started_at, max(recorded_at) as finished_at
            from {dataset}.{table} group by ebay_store, push_id
        ), newest as (
            select *, row_number() over (partition by ebay_store order by started_at desc, push_id desc) as n
            from pushes
        ), final as (
            select r.ebay_store, r.item_id, r.outcome, row_number() over (
                partition by r.ebay_store, r.item_id
                order by r.recorded_at desc, case when r.outcome = 'sending' then 1 else 0 end
            ) as k
            from {dataset}.{table} as r
            inner join newest on newest.ebay_store = r.ebay_store and newest.push_id = r.push_id and newest.n = 1
        )
        select newest.ebay_store, newest.push_id, newest.started_at, newest.finished_at, final.outcome,
            count(*) as listings
        from final inner join newest on newest.ebay_store = final.ebay_store and newest.n = 1
        where final.k = 1
        group by newest.ebay_store, newest.push_id, newest.started_at, newest.finished_at, final.outcome
        order by newest.ebay_store, final.outcome
        """,
    )
    stores: dict[str, dict[str, Any]] = {}
    for row in rows:
        store = stores.setdefault(
            row["ebay_store"],
            {
                "ebay_store": row["ebay_store"],
                "push_id": row["push_id"],
                "started_at": str(row["started_at"]),
                "finished_at": str(row["finished_at"]),
                "listings": 0,
                "by_outcome": {},
            },
        )
        store["listings"] += int(row["listings"])
        store["by_outcome"][row["outcome"]] = int(row["listings"])
    return list(stores.values()) or None


def collect(chosen: Target) -> dict[str, Any]:
    from elt.guard import build_refusal, last_build
    from elt.runs import recent_runs

    record = last_build(chosen)
    status: dict[str, Any] = {"target": chosen.name, "warehouse": chosen.describe(), "exists": chosen.exists()}
    status["last_complete_build"] = asdict(record) if record else None
    status["export_refusal"] = build_refusal(chosen)
    if not chosen.exists():
        return status | {"runs": [], "sources": [], "suppliers": [], "ebay": [], "last_push": None}
    status["runs"] = recent_runs(chosen, limit=5)
    status["sources"] = source_freshness(chosen)
    status["suppliers"] = supplier_feeds(chosen)
    status["ebay"] = ebay_revisions(chosen)
    status["last_push"] = last_push(chosen)
    return status


def text(status: dict[str, Any]) -> list[str]:
    lines = []
    if not status["exists"]:
        return [f"no warehouse at {status['warehouse']} yet: run `elt demo` or `elt load …`"]
    lines.append("last runs:" if status["runs"] else "last runs: none recorded yet")
    for run in status["runs"]:
        outcome = "ok" if run["ok"] else f"FAILED ({len(run['failures'])} failures)"
        lines.append(f"  {run['started_at']}  {run['kind']:<12} {outcome}, {run['duration_seconds']} s")
    build = status["last_complete_build"]
    if build is None:
        lines.append("last complete build: none yet")
    else:
        lines.append(f"last complete build: {build['status']}, started {build['started_at']}")
    lines.append(
        "eBay export: allowed" if not status["export_refusal"] else f"eBay export refused: {status['export_refusal']}"
    )
    lines.append("sources (newest load):")
    for source in status["sources"]:
        lines.append(f"  {', '.join(source['sources']):<40} {source['newest_load'] or 'never loaded'}")
    if status["suppliers"]:
        lines.append("suppliers (newest feed):")
        lines += [f"  {row['supplier']:<8} {row['newest_feed_date']}" for row in status["suppliers"]]
    if status["ebay"]:
        lines.append("marts.ebay would revise:")
        lines += [f"  {r['ebay_store']:<6} {r['to_revise']:>6} of {r['listings']} listings" for r in status["ebay"]]
    pushes = status["last_push"]
    if not pushes:
        lines.append("last push: no push yet")
    else:
        lines.append("last push per store:")
        for push in pushes:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(push["by_outcome"].items()))
            lines.append(
                f"  {push['ebay_store']:<6} {push['started_at'][:19]}  {push['listings']} listings ({counts}), "
                f"push {push['push_id']}"
            )
    return lines


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout, for scripts.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """What the warehouse holds now: last runs, last complete build, each source's and supplier's newest data,
    what marts.ebay would revise, the last push.

    \b
    Example:
      elt status
      elt status --json | jq .suppliers
    """
    chosen = target(ctx, announce=not as_json)
    collected = collect(chosen)
    if as_json:
        click.echo(json.dumps(collected, default=str, indent=2))
        return
    for line in text(collected):
        logs.echo(line)
