"""The supplier-stock loaders land exactly what the files hold, replace feeds by supplier and date, and reject
bad files by name without losing what is already in the warehouse."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import fsspec

from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from tests.support.bad_feeds import broken_after_the_first_batch
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import DAY, write_workbook, write_xlsx

_today = fixed_today(DAY)

FEED_ROWS = "select supplier, part_number, stock_value, row_number from raw_supplier_stock.stock_feed_rows"


def test_feed_rows_land_as_text_with_lineage(tmp_path: Path, target: Target) -> None:
    write_xlsx(tmp_path / "feeds/APE_SF.xlsx", [["Part", "Stock"], ["ap-1", "YES"], ["ap-2", "no"]])
    write_xlsx(tmp_path / "feeds/KYB stock.xlsx", [["Part number", "Stock"], [1000, "Y"], [234901.0, "#N/A"]])
    report = load_supplier_stock(target, [str(tmp_path / "feeds")], DAY)

    assert report.ok and report.rows == 4
    rows = query(target, f"{FEED_ROWS} order by supplier, row_number")
    assert rows == [
        ("APE", "ap-1", "YES", 2),
        ("APE", "ap-2", "no", 3),
        ("KYB", "1000", "Y", 2),
        ("KYB", "234901", None, 3),
    ]
    lineage = query(
        target,
        "select distinct file_name, feed_date, _dlt_load_id is not null, loaded_at is not null "
        "from raw_supplier_stock.stock_feed_rows order by 1",
    )
    assert lineage == [("APE_SF.xlsx", DAY, True, True), ("KYB stock.xlsx", DAY, True, True)]


def test_header_row_and_columns_follow_the_supplier_layout(tmp_path: Path, target: Target) -> None:
    # FAI: rows 1-4 are a report title, the header is row 5; COM keeps its quantity in column 3.
    fai = [["FAI stock report"], [], [], [], ["Part", "Qty"], ["F1", 4], ["F2", 12]]
    write_xlsx(tmp_path / "FAI_stock.xlsx", fai)
    write_xlsx(tmp_path / "COM_stock.xlsx", [["Part No.", "Stock", None], ["C1", "yes", 7]])
    load_supplier_stock(target, [str(tmp_path / "FAI_stock.xlsx"), str(tmp_path / "COM_stock.xlsx")], DAY)

    assert query(target, f"{FEED_ROWS} order by supplier, row_number") == [
        ("COM", "C1", "7", 2),
        ("FAI", "F1", "4", 6),
        ("FAI", "F2", "12", 7),
    ]


def test_loading_the_same_feed_twice_adds_nothing(tmp_path: Path, target: Target) -> None:
    feed = write_xlsx(tmp_path / "BET_stock.xlsx", [["Part", "Free Stk"], *[[f"B{i}", i] for i in range(50)]])
    load_supplier_stock(target, [str(feed)], DAY)
    load_supplier_stock(target, [str(feed)], DAY)

    assert query(target, "select count(*) from raw_supplier_stock.stock_feed_rows") == [(50,)]


def test_a_newer_feed_for_the_same_supplier_and_date_replaces_the_old_one(tmp_path: Path, target: Target) -> None:
    write_xlsx(tmp_path / "v1/BET_stock.xlsx", [["Part", "Free Stk"], ["B1", 1], ["B2", 2], ["B3", 3]])
    write_xlsx(tmp_path / "v2/BET_stock.xlsx", [["Part", "Free Stk"], ["B1", 9]])
    load_supplier_stock(target, [str(tmp_path / "v1")], DAY)
    load_supplier_stock(target, [str(tmp_path / "v1")], DAY + dt.timedelta(days=1))
    load_supplier_stock(target, [str(tmp_path / "v2")], DAY)

    rows = query(
        target,
        "select feed_date, part_number, stock_value from raw_supplier_stock.stock_feed_rows order by 1, 2",
    )
    assert rows == [
        (DAY, "B1", "9"),
        (DAY + dt.timedelta(days=1), "B1", "1"),
        (DAY + dt.timedelta(days=1), "B2", "2"),
        (DAY + dt.timedelta(days=1), "B3", "3"),
    ]


def test_of_two_files_for_one_supplier_in_a_run_the_last_wins(tmp_path: Path, target: Target) -> None:
    write_xlsx(tmp_path / "feeds/APE_SF.xlsx", [["Part", "Stock"], ["A1", "no"]])
    write_xlsx(tmp_path / "feeds/APE_SF_v2.xlsx", [["Part", "Stock"], ["A1", "YES"]])
    report = load_supplier_stock(target, [str(tmp_path / "feeds")], DAY)

    assert [(r.file_name, r.status) for r in report.results] == [
        ("APE_SF.xlsx", "superseded"),
        ("APE_SF_v2.xlsx", "loaded"),
    ]
    assert query(target, f"{FEED_ROWS}") == [("APE", "A1", "YES", 2)]


def test_bad_files_are_rejected_by_name_and_the_rest_of_the_day_loads(tmp_path: Path, target: Target) -> None:
    feeds = tmp_path / "feeds"
    write_xlsx(feeds / "APE_SF.xlsx", [["Part", "Stock"], ["A1", "YES"]])
    write_xlsx(feeds / "XYZ_stock.xlsx", [["Part", "Stock"], ["X1", 1]])
    write_xlsx(feeds / "ELR_stock.xlsx", [["Part", "Stock"], ["E1", 1]])  # ELR keeps stock in column 4
    (feeds / "BGA_stock.xlsx").write_bytes(b"Part,Stock\nB1,1\n")  # a CSV renamed .xlsx
    write_xlsx(feeds / "FEB_stock.xlsx", [])
    write_xlsx(feeds / "JUR_stock.xlsx", [["Part", "Free Stk"]])  # a header and nothing under it
    report = load_supplier_stock(target, [str(feeds)], DAY)

    reasons = {r.file_name: r.reason for r in report.rejected}
    assert set(reasons) == {"XYZ_stock.xlsx", "ELR_stock.xlsx", "BGA_stock.xlsx", "FEB_stock.xlsx", "JUR_stock.xlsx"}
    assert "unknown supplier code 'XYZ'" in reasons["XYZ_stock.xlsx"]
    assert "stock from column 4" in reasons["ELR_stock.xlsx"]
    assert "not a readable xlsx workbook" in reasons["BGA_stock.xlsx"]
    assert "empty" in reasons["FEB_stock.xlsx"]
    assert "no rows after the header row" in reasons["JUR_stock.xlsx"]
    assert not report.ok
    assert query(target, f"{FEED_ROWS}") == [("APE", "A1", "YES", 2)]
    errors = query(target, "select file_name, kind, feed_date from raw_supplier_stock.load_errors order by 1")
    assert [e[0] for e in errors] == sorted(reasons)
    assert {e[1:] for e in errors} == {("supplier-stock", DAY)}


def test_a_rejected_reload_keeps_the_feed_already_loaded(tmp_path: Path, target: Target) -> None:
    write_xlsx(tmp_path / "good/BET_stock.xlsx", [["Part", "Free Stk"], ["B1", 4]])
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad/BET_stock.xlsx").write_bytes(b"\x00not a workbook")
    load_supplier_stock(target, [str(tmp_path / "good")], DAY)
    report = load_supplier_stock(target, [str(tmp_path / "bad")], DAY)

    assert [r.status for r in report.results] == ["rejected"]
    assert query(target, f"{FEED_ROWS}") == [("BET", "B1", "4", 2)]


def test_a_missing_path_is_reported_not_fatal_to_other_paths(tmp_path: Path, target: Target) -> None:
    feed = write_xlsx(tmp_path / "APE_SF.xlsx", [["Part", "Stock"], ["A1", "YES"]])
    report = load_supplier_stock(target, [str(tmp_path / "nowhere.xlsx"), str(feed)], DAY)

    assert [(r.status, r.file_name) for r in report.results] == [
        ("rejected", str(tmp_path / "nowhere.xlsx")),
        ("loaded", "APE_SF.xlsx"),
    ]
    assert "no such file" in report.rejected[0].reason


def test_feeds_load_from_fsspec_urls_through_dlt_filesystem(tmp_path: Path, target: Target) -> None:
    local = write_xlsx(tmp_path / "SMP_list.xlsx", [["PartNumber", "Desc"], ["S1", "x"], ["S2", "y"]])
    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/feeds/2026-11-20/SMP_list.xlsx", local.read_bytes())
    report = load_supplier_stock(target, ["memory://bucket/feeds/2026-11-20"], DAY)

    assert report.ok and report.rows == 2
    assert query(target, f"{FEED_ROWS} order by row_number") == [("SMP", "S1", None, 2), ("SMP", "S2", None, 3)]


def test_products_replace_the_master_and_read_both_sheets(tmp_path: Path, target: Target) -> None:
    header = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    first = write_workbook(
        tmp_path / "v1/Stock Feed Master.xlsx",
        {"Direct": [header, ["L1", "P1", "APE", 0], ["L2", "P2", "BET", 0]], "FPS": [header, ["L3", 1000, "FPS", 1]]},
    )
    second = write_workbook(
        tmp_path / "v2/Stock Feed Master.xlsx", {"Direct": [header, ["L1", "P1", "APE", 0]], "FPS": [header]}
    )
    assert load_products(target, str(first)).rows == 3
    assert load_products(target, str(second)).ok

    assert query(target, "select sheet_name, custom_label, part_number from raw_supplier_stock.products") == [
        ("Direct", "L1", "P1")
    ]


def test_a_product_master_without_its_sheets_is_rejected_and_nothing_replaced(tmp_path: Path, target: Target) -> None:
    header = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    good = write_workbook(tmp_path / "good.xlsx", {"Direct": [header, ["L1", "P1", "APE", 0]], "FPS": [header]})
    bad = write_workbook(tmp_path / "bad.xlsx", {"Direct": [header, ["L9", "P9", "APE", 0]]})
    load_products(target, str(good))
    report = load_products(target, str(bad))

    assert not report.ok and "no sheet 'FPS'" in report.rejected[0].reason
    assert query(target, "select custom_label from raw_supplier_stock.products") == [("L1",)]


def test_store_listings_are_upserted_per_store_and_item(tmp_path: Path, target: Target) -> None:
    header = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    v1 = {"A": [header, [111, "b", "L1", 1, "t1", 9.5, "AMS-X-FPS", ""], [None, "b", "L9", 1, "no id"]]}
    v2 = {"B": [header, [111, "b", "L1", 1, "t1 new", 9.5, "AMS-X-FPS", ""], [222, "b", "L2", 1, "t2", 1, "X", ""]]}
    report = load_stores(target, [str(write_workbook(tmp_path / "v1/AMS Database SpeedSheet.xlsx", v1))])
    assert (report.rows, report.results[0].skipped_rows, report.results[0].code) == (1, 1, "AMS")
    load_stores(target, [str(write_workbook(tmp_path / "v2/AMS Database SpeedSheet.xlsx", v2))])
    load_stores(target, [str(write_workbook(tmp_path / "CPO Database SpeedSheet.xlsx", v2))])

    assert query(target, "select ebay_store, item_id, title from raw_supplier_stock.store_listings order by 1, 2") == [
        ("AMS", "111", "t1 new"),
        ("AMS", "222", "t2"),
        ("CPO", "111", "t1 new"),
        ("CPO", "222", "t2"),
    ]


def test_an_unchanged_product_master_or_store_workbook_is_not_loaded_again(tmp_path: Path, target: Target) -> None:
    header = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    master = write_workbook(
        tmp_path / "Stock Feed Master.xlsx", {"Direct": [header, ["L1", "P1", "APE", 0]], "FPS": [header]}
    )
    store_header = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    ams = {"A": [store_header, [111, "b", "L1", 1, "t1", 9.5, "AMS-X-FPS", ""]]}
    store = write_workbook(tmp_path / "stores/AMS Database SpeedSheet.xlsx", ams)
    write_workbook(tmp_path / "stores/CPO Database SpeedSheet.xlsx", ams)
    stamps = (
        "select (select max(loaded_at) from raw_supplier_stock.products), "
        "(select list(loaded_at order by ebay_store) from raw_supplier_stock.store_listings)"
    )
    assert load_products(target, str(master)).rows == 1
    assert load_stores(target, [str(store.parent)]).rows == 2
    loaded = query(target, stamps)

    products_again, stores_again = load_products(target, str(master)), load_stores(target, [str(store.parent)])

    assert products_again.ok and stores_again.ok  # not an error: nothing to do
    assert [(r.status, r.rows) for r in products_again.results + stores_again.results] == [("unchanged", 0)] * 3
    assert "unchanged since it was loaded" in products_again.lines()[0]
    assert query(target, stamps) == loaded  # nothing was replaced, so no model rebuilds every feed date
    assert load_products(target, str(master), force=True).rows == 1  # --force loads it all the same
    ams["A"].append([222, "b", "L2", 1, "t2", 1, "X", ""])
    write_workbook(store, ams)  # the seller saves the AMS workbook again: it loads, CPO's does not
    assert [(r.code, r.status) for r in load_stores(target, [str(store.parent)]).results] == [
        ("CPO", "unchanged"),
        ("AMS", "loaded"),
    ]
    assert query(target, "select ebay_store, item_id from raw_supplier_stock.store_listings order by 1, 2") == [
        ("AMS", "111"), ("AMS", "222"), ("CPO", "111"),
    ]  # fmt: skip


def test_a_feed_found_unreadable_after_its_first_batch_is_rejected_whole_and_the_earlier_load_kept(
    tmp_path: Path, target: Target
) -> None:
    write_xlsx(tmp_path / "v1/COM_stock.xlsx", [["Part No.", "Stock", None], ["C1", "", 4]])
    assert load_supplier_stock(target, [str(tmp_path / "v1")], DAY).ok
    (tmp_path / "v2").mkdir()
    broken = broken_after_the_first_batch(tmp_path / "v2/COM_stock.xlsx")
    good = write_xlsx(tmp_path / "v2/APE_SF.xlsx", [["Part", "Stock"], ["A1", "YES"]])
    report = load_supplier_stock(target, [str(broken), str(good)], DAY)

    assert [(r.file_name, r.status) for r in report.results] == [
        ("APE_SF.xlsx", "loaded"),
        ("COM_stock.xlsx", "rejected"),
    ]
    assert "not well-formed" in report.rejected[0].reason and "none of the file is loaded" in report.rejected[0].reason
    assert query(target, f"{FEED_ROWS} order by supplier") == [("APE", "A1", "YES", 2), ("COM", "C1", "4", 2)]
    assert query(target, "select file_name, kind from raw_supplier_stock.load_errors") == [
        ("COM_stock.xlsx", "supplier-stock")
    ]


def _master_with_a_broken_fps_sheet(path: Path) -> Path:
    """A product master whose Direct sheet is fine and whose FPS sheet's XML breaks off."""
    header = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", ["Custom Label", "Part Number", "Supplier", "Quantity"], strict=True)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet = f'<worksheet xmlns="{main}"><sheetData><row r="1">{header}</row>'
    row = '<row r="2"><c r="A2" t="inlineStr"><is><t>L9</t></is></c><c r="B2" t="inlineStr"><is><t>P9</t></is></c>'
    row += '<c r="C2" t="inlineStr"><is><t>APE</t></is></c><c r="D2"><v>0</v></c></row>'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets><sheet name="Direct" sheetId="1" r:id="rId1"/>'
            '<sheet name="FPS" sheetId="2" r:id="rId2"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rels}/worksheet" Target="worksheets/sheet2.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", f"{sheet}{row}</sheetData></worksheet>")
        archive.writestr("xl/worksheets/sheet2.xml", f"{sheet}{row}<row r=")
    return path


def test_a_product_master_found_unreadable_while_read_replaces_nothing(tmp_path: Path, target: Target) -> None:
    header = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    good = write_workbook(tmp_path / "good.xlsx", {"Direct": [header, ["L1", "P1", "APE", 0]], "FPS": [header]})
    load_products(target, str(good))
    report = load_products(target, str(_master_with_a_broken_fps_sheet(tmp_path / "broken.xlsx")))

    assert not report.ok and "sheet 'FPS' is not well-formed" in report.rejected[0].reason
    assert query(target, "select custom_label from raw_supplier_stock.products") == [("L1",)]
    assert query(target, "select file_name from raw_supplier_stock.load_errors") == [("broken.xlsx",)]
