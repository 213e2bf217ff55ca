"""Write eBay File Exchange "Revise" files from marts.ebay: one CSV per store, and a zip of them."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from elt.guard import build_refusal
from elt.targets import Target

REVISE_HEADER = ("Action", "ItemID", "SiteID", "Currency", "Quantity")
SITE_ID = "UK"
CURRENCY = "GBP"
ZIP_NAME = "ebay-revise.zip"

REVISIONS_SQL = """
    select ebay_store, item_id, quantity
    from marts.ebay
    where quantity_delta <> 0
    order by ebay_store, item_id
"""


class ExportRefused(RuntimeError):
    """The export would publish quantities that the last build did not vouch for."""


@dataclass(frozen=True)
class ReviseExport:
    """Files written: one CSV per store with its number of listings, and the zip holding them all."""

    files: dict[str, tuple[Path, int]]
    zip_path: Path | None


def revise_csv(rows: list[tuple[int, int]]) -> bytes:
    """A File Exchange Revise CSV for (item_id, quantity) rows: integers, never negative."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REVISE_HEADER)
    for item_id, quantity in rows:
        writer.writerow(("Revise", int(item_id), SITE_ID, CURRENCY, max(int(quantity), 0)))
    return buffer.getvalue().encode("utf-8")


def export_ebay_revise(target: Target, out_dir: Path) -> ReviseExport:
    """Write `<STORE>.csv` for every store with listings whose quantity changed, and `ebay-revise.zip`.

    Refuses (ExportRefused, with the reason) unless the last complete `dbt build` passed (elt.dbt)."""
    refusal = build_refusal(target)
    if refusal:
        raise ExportRefused(refusal)
    if not target.has_table("marts", "ebay"):
        raise ExportRefused(
            f"marts.ebay is not in {target.describe()}: no build has made it yet (no source loaded?): run "
            "`elt demo`, or `elt load …` then `elt transform`"
        )
    with target.connect() as con:
        rows = con.execute(REVISIONS_SQL).fetchall()
    per_store: dict[str, list[tuple[int, int]]] = {}
    for store, item_id, quantity in rows:
        per_store.setdefault(store, []).append((item_id, quantity))

    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Path, int]] = {}
    for store, store_rows in per_store.items():
        path = out_dir / f"{_safe_store_code(store)}.csv"
        path.write_bytes(revise_csv(store_rows))
        files[store] = (path, len(store_rows))
    zip_path = None
    if files:
        zip_path = out_dir / ZIP_NAME
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path, _ in files.values():
                archive.write(path, arcname=path.name)
    return ReviseExport(files=files, zip_path=zip_path)


def _safe_store_code(store: str) -> str:
    """Store codes become file names: keep letters, digits, `-` and `_` only."""
    cleaned = "".join(ch for ch in store if ch.isalnum() or ch in "-_")
    return cleaned or "STORE"
