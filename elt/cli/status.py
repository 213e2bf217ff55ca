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


def last_push(target: Target) -> dict[str, Any] | None:
    """The newest push load's rows in raw_ebay.revisions, counted by outcome when the table says one."""
    dataset, table = PUSH_TABLE
    if not target.has_table(dataset, table):
        return None
    rows = _rows(
        target,
        f"select * from {dataset}.{table} where _dlt_load_id = (select max(_dlt_load_id) from {dataset}.{table})",
    )
    outcome_column = next((c for c in ("outcome", "status", "result") if rows and c in rows[0]), None)
    counts: dict[str, int] = {}
    for row in rows:
        key = str(row[outcome_column]) if outcome_column else "listings"
        counts[key] = counts.get(key, 0) + 1
    load_id = rows[0]["_dlt_load_id"] if rows else None
    return {"load_id": load_id, "listings": len(rows), "by_outcome": counts}


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
    push = status["last_push"]
    if push is None:
        lines.append("last push: no push yet")
    else:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(push["by_outcome"].items()))
        lines.append(f"last push (load {push['load_id']}): {push['listings']} listings ({counts})")
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
