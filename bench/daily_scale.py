"""The seller's daily run at their stated sizes: raw tables generated straight into DuckDB, then `dbt build`.

Sizes (full scale, the user's own figures): store listings ~5 million over 10 stores (~1.27 GB as text), the
product master ~140,000 rows (~7 MB), supplier stock ~430,000 feed rows a day (~22 MB) for 30 days. The xlsx
step is bypassed: the raw tables the loaders would land are written with SQL (same columns, types and lineage),
after one real load of the demo's sample files has created them and dlt's bookkeeping. Then
(a) a full `dbt build`, and (b) one more day of feeds and the next day's (incremental) `dbt build`.

Quantities are deterministic: each part's quantity changes once a week, on a day of its own (~14% a day).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

STORES = ("AMS", "AST", "CPO", "DPW", "MFD", "OR", "PG", "PV", "RTG", "SJR")
RTG_STORE = "RTG"
FULL = {"listings": 5_000_000, "products": 140_000, "fps_rows": 236_000, "other_rows": 12_500, "rtg_labels": 20_000}
HISTORY_DAYS = 30
RAW_TABLES = ("store_listings", "products", "stock_feed_rows")


def first_day(next_days: int) -> dt.date:
    """The first feed date: HISTORY_DAYS of history, then `next_days` days each built as the next day, the last
    one today. Anchored to the machine's date because the loader and the models keep feed dates in a window
    counted from today (loaders/supplier_feeds/window.py), as a seller's warehouse does; the oldest days drop
    out of the window as the next days come, as they do there."""
    return dt.date.today() - dt.timedelta(days=HISTORY_DAYS + next_days - 1)


@dataclass(frozen=True)
class Sizes:
    listings: int
    products: int
    fps_rows: int
    other_rows: int
    rtg_labels: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(**{name: max(1, int(value * scale)) for name, value in FULL.items()})


@dataclass(frozen=True)
class Build:
    seconds: float
    model_seconds: dict[str, float]
    statuses: dict[str, int]


def _suppliers(con: object) -> list[tuple[str, str, str | None]]:
    """(supplier, quantity_rule, in_stock_value) from the seed the models use."""
    import csv

    seed = Path(__file__).resolve().parent.parent / "seeds" / "suppliers.csv"
    with seed.open() as handle:
        return [(r["supplier"], r["quantity_rule"], r["in_stock_value"] or None) for r in csv.DictReader(handle)]


def bootstrap(target: object, folder: Path) -> None:
    """One real load of tiny sample files: the raw tables, their dlt schema and state exist as in production."""
    from loaders.product_master.source import load_products
    from loaders.store_listings.source import load_stores
    from loaders.supplier_feeds.source import load_supplier_stock
    from sandboxes.samples import generate

    sample = generate(folder / "files", last_day=dt.date.today(), days=1)
    assert load_products(target, str(sample.product_master)).ok  # type: ignore[arg-type]
    assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok  # type: ignore[arg-type]
    for day, path in sample.feed_dirs.items():
        load_supplier_stock(target, [str(path)], day)  # type: ignore[arg-type]


def _sql_values(rows: list[tuple[object, ...]]) -> str:
    def lit(value: object) -> str:
        return "null" if value is None else "'" + str(value).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def generate_raw(con: object, sizes: Sizes, first: dt.date) -> None:
    """Replace the raw tables' rows with the generated products and store listings (feeds come per day)."""
    suppliers = [(s, rule, value) for s, rule, value in _suppliers(con) if rule != "inverted_list"]
    weights = [(s, sizes.fps_rows if s == "FPS" else sizes.other_rows) for s, _, _ in suppliers]
    total = sum(w for _, w in weights)
    layout, offset = [], 0
    for index, (supplier, rule, value) in enumerate(suppliers):
        feed_rows = weights[index][1]
        mapped = max(1, sizes.products * feed_rows // total)
        layout.append((index, supplier, rule, value, feed_rows, mapped, offset))
        offset += mapped
    run = con.execute  # type: ignore[attr-defined]
    run("create schema if not exists bench")
    run("create or replace temp table bench_suppliers as select * from (values "
        + _sql_values(layout) + ") as t(idx, supplier, rule, in_stock, feed_rows, mapped, label_offset)")  # fmt: skip
    run("""create or replace table bench.suppliers as
        select cast(idx as int) as idx, supplier, rule, in_stock, cast(feed_rows as int) as feed_rows,
               cast(mapped as int) as mapped, cast(label_offset as int) as label_offset from bench_suppliers""")
    mapped_labels = offset
    loaded_at = "timestamptz '" + f"{first - dt.timedelta(days=2)}" + " 06:00:00+00'"
    run("delete from raw_supplier_stock.stock_feed_rows")
    run("delete from raw_supplier_stock.products")
    run(f"""insert into raw_supplier_stock.products
        select 'Stock Feed Master.xlsx', case when s.supplier = 'FPS' then 'FPS' else 'Direct' end,
               cast(s.label_offset + p.i + 2 as bigint), 'CL' || lpad(cast(s.label_offset + p.i as varchar), 8, '0'),
               s.supplier || '-' || lpad(cast(p.i as varchar), 7, '0'), s.supplier, cast(p.i % 7 as varchar),
               {loaded_at}, 'generated', '1000000000.0'
        from bench.suppliers as s, (select idx, unnest(range(mapped)) as i from bench.suppliers) as p
        where p.idx = s.idx""")
    run("delete from raw_supplier_stock.store_listings")
    per_store = sizes.listings // len(STORES)
    stores = _sql_values([(i, code) for i, code in enumerate(STORES)])
    # A listing's label: one in three is in the product master (with its supplier in the prefix); RTG's own
    # store lists RTG labels, which RTG's inverted feed reads against.
    run(f"""insert into raw_supplier_stock.store_listings
        with stores(k, code) as (values {stores}),
        listings as (
            select cast(st.k as int) as k, st.code, l.j, hash(st.k, l.j) % ({mapped_labels} * 3) as label_id
            from stores as st, range({per_store}) as l(j)
        )
        select
            listings.code, listings.code || ' Database SpeedSheet.xlsx', 'Listings ' || (1 + listings.j // 100000),
            cast(2 + listings.j % 100000 as bigint),
            cast(110000000000 + listings.k * 10000000 + listings.j as varchar),
            'Brand ' || (listings.label_id % 50),
            case
                when listings.code = '{RTG_STORE}'
                    then 'RTG' || lpad(cast(listings.j % {sizes.rtg_labels} as varchar), 7, '0')
                else 'CL' || lpad(cast(listings.label_id as varchar), 8, '0')
            end,
            cast(listings.j % 9 as varchar),
            'Genuine replacement part ' || listings.label_id
                || ' for cars and vans, fits many models, next day delivery',
            cast(round(5 + (listings.j % 9000) / 100.0, 2) as varchar),
            case when listings.code = '{RTG_STORE}' then null
                 else listings.code || '-BRK-' || coalesce(s.supplier, 'XYZ') end,
            case when listings.code = '{RTG_STORE}' then 'RTG' end,
            'DIR' || (listings.j % 4),
            'PayPal immediate payment', 'Royal Mail Tracked 48 free', '30 day returns buyer pays',
            {loaded_at}, 'generated', '1000000000.5'
        from listings
        left join bench.suppliers as s
            on listings.label_id >= s.label_offset and listings.label_id < s.label_offset + s.mapped""")


def add_feed_day(con: object, day: dt.date, first: dt.date, sizes: Sizes, loaded_at: dt.datetime | None = None) -> None:
    """Every supplier's feed for `day`, as `elt load supplier-stock` lands it (one load per day), loaded at
    `loaded_at` (default 06:00 UTC that day)."""
    run = con.execute  # type: ignore[attr-defined]
    n = (day - first).days
    when = loaded_at or dt.datetime.combine(day, dt.time(6), dt.UTC)
    loaded_at_sql = f"timestamptz '{when.isoformat()}'"
    load_id = f"'{when.timestamp():.6f}'"
    # quantity of part i of supplier s on day n: a value that changes once every 7 days, on a day of its own
    quantity = f"cast(hash(s.idx, f.i, (({n} + hash(s.idx, f.i) % 7) // 7)) % 25 as int)"
    run(f"""insert into raw_supplier_stock.stock_feed_rows
        select s.supplier, date '{day}', s.supplier || '_stock.xlsx', cast(f.i + 2 as bigint),
               s.supplier || '-' || lpad(cast(f.i as varchar), 7, '0'),
               case
                   when s.rule = 'numeric' and hash(s.idx, f.i, {n}) % 50 = 0 then 'call'
                   when s.rule = 'numeric' then cast({quantity} - 3 as varchar)
                   when s.rule = 'flag' then case when {quantity} > 8 then s.in_stock else 'no' end
               end,
               {loaded_at_sql}, {load_id}
        from bench.suppliers as s, (select idx, unnest(range(feed_rows)) as i from bench.suppliers) as f
        where f.idx = s.idx and (s.rule <> 'listed' or {quantity} > 5)""")
    run(f"""insert into raw_supplier_stock.stock_feed_rows
        select 'RTG', date '{day}', 'RTG_out_of_stock.xlsx', cast(r.i + 2 as bigint),
               'RTG' || lpad(cast(r.i as varchar), 7, '0'), null, {loaded_at_sql}, {load_id}
        from range({sizes.rtg_labels}) as r(i)
        where hash(r.i, ({n} + r.i % 7) // 7) % 10 = 0""")


def text_mb(con: object, table: str) -> tuple[int, float]:
    """Rows and MB of text (the sum of every value's length as text) of `schema.table`."""
    schema, name = table.split(".")
    columns = [
        c
        for (c,) in con.execute(  # type: ignore[attr-defined]
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    ]
    length = " + ".join(f"coalesce(strlen(cast({c} as varchar)), 0)" for c in columns)
    rows, size = con.execute(f"select count(*), sum({length}) from {table}").fetchone()  # type: ignore[attr-defined]
    return int(rows), float(size or 0) / 1e6


def build(target: object, args: list[str]) -> Build:
    """Run `dbt ARGS` (a build); its wall time and each node's execution time."""
    from elt.dbt import dbt_target_path, run_dbt

    started = time.perf_counter()
    outcome = run_dbt(args, target, quiet=True)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    if not outcome.success:
        raise RuntimeError(f"dbt build failed at scale: {outcome.failures[:5]}")
    results = json.loads((dbt_target_path(target) / "run_results.json").read_text())["results"]  # type: ignore[arg-type]
    timings = {r["unique_id"].split(".")[2]: float(r["execution_time"]) for r in results}  # tests: no hash
    return Build(seconds, timings, outcome.statuses)
