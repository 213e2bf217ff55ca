"""The streaming xlsx reader gives the rows python-calamine gave (row numbers, values and their text), for
every kind of file the loaders meet; it refuses XML attacks, streams from file objects and holds no sheet."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

import fsspec
import openpyxl
import pytest
import python_calamine
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from loaders.workbooks.cells import DATETIME, DURATION, number_format_kind
from loaders.workbooks.files import find_files
from loaders.workbooks.reader import (
    MAX_CELL_CHARS,
    MAX_XML_DEPTH,
    SharedStrings,
    WorkbookError,
    cell_text,
    open_workbook,
)
from sandboxes.samples import generate
from tests.support import hostile_xlsx
from tests.support.bad_feeds import CASES

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

Row = tuple[int, list[str | None], list[object]]


# ---- the two readers, normalised the same way ---------------------------------------------------------------


def _normalised(row_number: int, values: list[object]) -> Row | None:
    """A row as compared: the text of each cell, and each value (calamine's blanks are '', ours None; whole
    floats and ints compare equal), trailing blanks dropped; None for a row with nothing in it."""
    plain = [None if value == "" else value for value in values]
    while plain and plain[-1] is None:
        plain.pop()
    if not plain:
        return None
    return (
        row_number,
        [cell_text(value) for value in plain],
        [(type(v).__name__.replace("int", "float"), v) for v in plain],
    )


def _calamine_rows(sheet: python_calamine.CalamineSheet) -> Iterator[Row]:
    if sheet.start is None:
        return
    pad = [None] * sheet.start[1]
    for index, values in enumerate(sheet.iter_rows()):
        if row := _normalised(index + 1, pad + list(values)):
            yield row


def _our_rows(rows: Iterator[tuple[int, list[object]]]) -> Iterator[Row]:
    for number, values in rows:
        if row := _normalised(number, values):
            yield row


def _picked(rows: Iterator[Row], columns: tuple[int, ...]) -> Iterator[tuple[int, list[str | None]]]:
    """The text of `columns` of the rows that have any there."""
    for number, texts, _ in rows:
        selected = [texts[c - 1] if c <= len(texts) else None for c in columns]
        if any(text is not None for text in selected):
            yield number, selected


def assert_same_as_calamine(path: Path, columns: tuple[int, ...] = (1, 3, 4)) -> None:
    """Every row of every worksheet the same (compared as they stream: a sheet is never held), read whole and
    with only some columns decoded, and the same extent of the cells; or both readers unable to read the file."""
    try:
        theirs = python_calamine.CalamineWorkbook.from_path(str(path))
        names = [m.name for m in theirs.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        sheets = {name: theirs.get_sheet_by_name(name) for name in names}
    except (python_calamine.CalamineError, python_calamine.PasswordError, ValueError):
        with pytest.raises(WorkbookError), open_workbook(path) as workbook:
            for sheet in workbook.worksheets():
                for _ in sheet.rows():
                    pass
        return
    with open_workbook(path) as workbook:
        assert workbook.sheet_names == names, path.name
        for sheet in workbook.worksheets():
            theirs_sheet = sheets[sheet.name]
            for ours_row, their_row in zip_longest(_our_rows(sheet.rows()), _calamine_rows(theirs_sheet)):
                assert ours_row == their_row, (path.name, sheet.name)
            end = (theirs_sheet.end[0] + 1, theirs_sheet.end[1] + 1) if theirs_sheet.end else (0, 0)
            assert (sheet.last_row, sheet.last_column) == end, (path.name, sheet.name)
            decoded = ((number, [cell_text(v) for v in values]) for number, values in sheet.rows(columns=list(columns)))
            ours_picked = ((number, [texts[c - 1] for c in columns]) for number, texts in decoded)
            ours_picked = (row for row in ours_picked if any(text is not None for text in row[1]))
            for ours_row, their_row in zip_longest(ours_picked, _picked(_calamine_rows(theirs_sheet), columns)):
                assert ours_row == their_row, (path.name, sheet.name, "columns", columns)


def our_sheets(path: Path) -> dict[str, tuple[list[Row], tuple[int, int]]]:
    sheets = {}
    with open_workbook(path) as workbook:
        for sheet in workbook.worksheets():
            rows = list(_our_rows(sheet.rows()))
            sheets[sheet.name] = (rows, (sheet.last_row, sheet.last_column))
    return sheets


# ---- files to compare -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case.name for case in CASES])
def test_every_workbook_of_the_bad_feed_corpus_reads_as_calamine_read_it(index: int, tmp_path: Path) -> None:
    assert_same_as_calamine(CASES[index].write(tmp_path))


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    sample = generate(tmp_path_factory.mktemp("demo"), dt.date(2026, 11, 20), days=1)
    return [sample.product_master, *sample.store_workbooks, *sorted(next(iter(sample.feed_dirs.values())).iterdir())]


def test_the_demo_sample_files_read_as_calamine_read_them(demo_files: list[Path]) -> None:
    assert len(demo_files) > 15
    for path in demo_files:
        assert_same_as_calamine(path)


SERIALS = [0, 0.25, 0.5, 1, 1.5, 59, 59.5, 60, 61, 45000, 45000.75, 45000.999999, 2958465, 2958466, -1, -0.25, 1e-7]
FORMATS = [
    "yyyy-mm-dd",
    "dd/mm/yyyy hh:mm",
    "hh:mm:ss",
    "[h]:mm:ss",
    "[mm]:ss",
    "mmm-yy",
    "d-mmm",
    "h:mm AM/PM",
    "[$-409]mmmm d, yyyy",
    "yyyy\\-mm\\-dd",
    'dd"th" mmm',
    "0.00%",
    '"Date:" 0',
    "General",
    "#,##0.00",
    "0.0E+00",
    "@",
    "[Red]0.00",
    "aaaa",
    "_-* #,##0_-;-* #,##0_-",
    "0;[Red]-0;dd/mm",
    '"d"0',
    "[$€-2] #,##0.00",
]


def _xlsxwriter_workbook(path: Path, date1904: bool = False, constant_memory: bool = False) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"date_1904": date1904, "constant_memory": constant_memory})
    sheet = workbook.add_worksheet("Values")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, ["text", " spaced ", "", "line\nbreak", "tab\tin", "ctrl\x01char", "_x0041_ literal"])
    sheet.write_row(1, 0, [0, -0.0, 7, 1.5, -0.1, 1e20, 123456789012345678, 1 / 3, 1e-7, 2**53])
    sheet.write_row(2, 0, [True, False])
    sheet.write_formula(2, 2, "=NA()", None, "#N/A")
    sheet.write_formula(2, 3, "=1/0", None, "#DIV/0!")
    sheet.write_formula(2, 4, '="a"&"b"', None, "ab")
    sheet.write_formula(2, 5, "=1>0", None, True)
    sheet.write_formula(2, 6, "=2+3", None, 5)
    sheet.write_rich_string(3, 0, "rich ", bold, "bold", " end")
    sheet.write_rich_string(3, 1, bold, " lead", "trail ")
    sheet.write(9, 3, "sparse D10")
    sheet.write(12, 25, "far column Z13")
    sheet.write_blank(14, 0, None, bold)  # style only: no value
    sheet.write(15, 701, "column ZZ16")
    dates = workbook.add_worksheet("Dates")
    for column, code in enumerate(FORMATS):
        style = workbook.add_format({"num_format": code})
        dates.write(0, column, code)
        for row, serial in enumerate(SERIALS, start=1):
            dates.write_number(row, column, serial, style)
    for column, builtin in enumerate(range(14, 23)):
        style = workbook.add_format({"num_format": builtin})
        for row, serial in enumerate(SERIALS, start=len(SERIALS) + 1):
            dates.write_number(row, column, serial, style)
    moments = workbook.add_worksheet("Moments")
    styles = [workbook.add_format({"num_format": f}) for f in ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm:ss.000")]
    moments.write_datetime(0, 0, dt.datetime(2026, 1, 2), styles[0])
    moments.write_datetime(0, 1, dt.datetime(2026, 1, 2, 13, 45, 30), styles[1])
    moments.write_datetime(0, 2, dt.time(10, 0, 0, 500000), styles[2])
    moments.write_datetime(0, 3, dt.date(1900, 2, 28), styles[0])
    moments.write_datetime(0, 4, dt.date(1900, 3, 1), styles[0])
    hidden = workbook.add_worksheet("Hidden")
    hidden.write(0, 0, "in a hidden sheet")
    hidden.hide()
    chart = workbook.add_chartsheet("Chart")
    series = workbook.add_chart({"type": "line"})
    series.add_series({"values": "=Values!$A$2:$E$2"})
    chart.set_chart(series)
    workbook.close()
    return path


@pytest.mark.parametrize(
    "options",
    [{}, {"date1904": True}, {"constant_memory": True}],
    ids=["shared strings", "1904 date system", "inline strings (constant_memory)"],
)
def test_xlsxwriter_files_with_every_kind_of_cell_read_as_calamine_read_them(options: dict, tmp_path: Path) -> None:
    path = _xlsxwriter_workbook(tmp_path / "values.xlsx", **options)
    assert_same_as_calamine(path)
    with open_workbook(path) as workbook:
        assert workbook.sheet_names == ["Values", "Dates", "Moments", "Hidden"]  # the chart sheet is no worksheet


def _openpyxl_workbook(path: Path, epoch_1904: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    if epoch_1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = "Stock"
    sheet.append(["Part", "Qty", "When", "Ok"])
    sheet.append(["P1", 4, dt.datetime(2026, 3, 4, 5, 6, 7), True])
    sheet.append(["P2", 4.25, dt.date(2026, 3, 4), False])
    sheet.append([1000, -2, dt.time(23, 59, 59), None])
    sheet.append(["P4", None, dt.timedelta(days=1, hours=2), "=1+1"])
    sheet["F9"] = "sparse"
    sheet["A12"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold"), " tail"])
    sheet["B12"] = "#N/A"
    sheet["B12"].data_type = "e"
    sheet["C12"] = "  kept spaces  "
    sheet["D12"].number_format = "yyyy-mm-dd"
    sheet["D12"] = 45000
    other = workbook.create_sheet("Other")
    other["C3"] = 3.0
    workbook.save(path)
    return path


@pytest.mark.parametrize("epoch_1904", [False, True], ids=["1900 dates", "1904 dates"])
def test_openpyxl_files_read_as_calamine_read_them(epoch_1904: bool, tmp_path: Path) -> None:
    assert_same_as_calamine(_openpyxl_workbook(tmp_path / "openpyxl.xlsx", epoch_1904))


# ---- hand-written XML: what other writers do ------------------------------------------------------------------


def _xml_workbook(
    path: Path,
    sheet_data: str,
    strings: list[str] | None = None,
    prefix: str = "",
    styles: str = '<cellXfs><xf numFmtId="0"/></cellXfs>',
    workbook_extra: str = "",
    sheet_head: str = "",
) -> Path:
    """A workbook written by hand; `prefix` puts every SpreadsheetML element under that prefix (x: style)."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}" xmlns:r="{RELS}"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f"<{p}workbook {ns}>{workbook_extra}<{p}sheets>"
            f'<{p}sheet name="Data" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>',
        )
        rels = f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/data.xml"/>'
        rels += f'<Relationship Id="rId2" Type="{RELS}/styles" Target="/xl/styles.xml"/>'
        if strings is not None:
            rels += f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            items = "".join(f"<{p}si>{s}</{p}si>" for s in strings)
            archive.writestr("xl/sharedStrings.xml", f"<{p}sst {ns}>{items}</{p}sst>")
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PACKAGE_RELS}">{rels}</Relationships>')
        archive.writestr("xl/styles.xml", f"<{p}styleSheet {ns}>{styles}</{p}styleSheet>")
        archive.writestr(
            "xl/worksheets/data.xml",
            f"<?xml version='1.0' encoding='UTF-8'?><{p}worksheet {ns}>{sheet_head}"
            f"<{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>",
        )
    return path


def _prefixed(xml: str, prefix: str) -> str:
    if not prefix:
        return xml
    for tag in ("row", "c", "v", "f", "is", "t", "r", "rPh", "rPr", "b", "numFmts", "numFmt", "cellXfs", "xf"):
        xml = xml.replace(f"<{tag} ", f"<{prefix}:{tag} ").replace(f"<{tag}>", f"<{prefix}:{tag}>")
        xml = xml.replace(f"</{tag}>", f"</{prefix}:{tag}>").replace(f"<{tag}/>", f"<{prefix}:{tag}/>")
    return xml


STRINGS = [
    "<t>plain</t>",
    '<r><t>ri</t></r><r><rPr><b/></rPr><t xml:space="preserve"> ch </t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh>',
    "<t>a_x000D_b_x0041__x005F_x0041_</t>",
    "<t></t>",
    "<t>  trimmed  </t>",
    "<t>&amp;&lt;&#x263A;&#233;</t>",
    '<t xml:space="preserve">\n kept \n</t>',
    "<r><t>a </t></r><r><t> b</t></r>",
]
STYLES = (
    '<numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="[h]:mm"/>'
    '<numFmt numFmtId="14" formatCode="0.00"/></numFmts>'
    '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/><xf numFmtId="22"/>'
    "</cellXfs>"
)
SHEET = (
    '<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(STRINGS))) + "</row>"
    '<row r="3" spans="2:9"><c r="B3"><v>1.0E+3</v></c><c r="C3"><v>007</v></c><c r="D3"><v>-0</v></c>'
    '<c r="E3"><v>abc</v></c><c r="F3"><v> 5</v></c><c r="G3"><v>1e16</v></c><c r="H3"><v>.5</v></c>'
    '<c r="I3"><v>1_0</v></c></row>'
    '<row r="4"><c r="A4" t="b"><v>0</v></c><c r="B4" t="b"><v>1</v></c><c r="C4" t="b"><v></v></c>'
    '<c r="D4" t="e"><v>#N/A</v></c><c r="E4" t="str"><f>x</f><v>  ab &amp; c_x0041_ </v></c>'
    '<c r="F4" t="inlineStr"><is><t> in </t></is></c><c r="G4" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r>'
    '<rPh><t>P</t></rPh></is></c><c r="H4"><is><t>no type</t></is></c><c r="I4" t="inlineStr"><v>ignored</v></c>'
    "</row>"
    '<row r="5"><c r="A5" t="d"><v>2026-01-02T13:45:30</v></c><c r="B5" t="d"><v>2026-01-02</v></c>'
    '<c r="C5" t="d"><v>13:45:30</v></c><c r="D5" t="d"><v>2026-01-02T13:45:30.5</v></c>'
    '<c r="E5" t="d"><v>not a date</v></c><c r="F5" t="d"><v>13:45</v></c></row>'
    '<row r="6"><c r="A6" s="1"><v>45000</v></c><c r="B6" s="2"><v>1.5</v></c><c r="C6" s="3"><v>45000</v></c>'
    '<c r="D6" s="4"><v>45000.5</v></c><c r="E6" s="9"><v>45000</v></c><c r="F6" s="1"><v>0.75</v></c></row>'
    '<row><c><v>1</v></c><c><v>2</v></c><c r="E7"><v>3</v></c><c><v>4</v></c></row>'
    '<row r="9"><c r="B9" s="1"/><c r="C9"><f>1+1</f></c></row>'
    '<row r="11"><c r="AB11"><v>far</v></c></row>'
)


@pytest.mark.parametrize("prefix", ["", "x"], ids=["default namespace", "x: prefixes"])
@pytest.mark.parametrize("date1904", [False, True], ids=["1900", "1904"])
def test_hand_written_xml_of_every_cell_kind_reads_as_calamine_read_it(
    prefix: str, date1904: bool, tmp_path: Path
) -> None:
    path = _xml_workbook(
        tmp_path / "hand.xlsx",
        _prefixed(SHEET, prefix),
        strings=[_prefixed(s, prefix) for s in STRINGS],
        prefix=prefix,
        styles=_prefixed(STYLES, prefix),
        workbook_extra=f'<{prefix + ":" if prefix else ""}workbookPr date1904="{int(date1904)}"/>',
        sheet_head=f'<{prefix + ":" if prefix else ""}dimension ref="A1:Z999"/>',
    )
    assert_same_as_calamine(path)
    with open_workbook(path) as workbook:
        rows = dict(workbook.first_visible_sheet().rows())
    assert rows[1][:3] == ["plain", "ri ch ", "a\rbA_x0041_"]
    assert rows[4][5:8] == ["in", "ab", "no type"]
    assert rows[7][:5] == [1, 2, None, None, 3]


def test_number_formats_are_dates_when_their_first_section_shows_date_or_time_tokens() -> None:
    kinds = {code: number_format_kind(code) for code in FORMATS}
    assert {code for code, kind in kinds.items() if kind == DURATION} == {"[h]:mm:ss", "[mm]:ss"}
    assert {code for code, kind in kinds.items() if kind == DATETIME} == {
        "yyyy-mm-dd",
        "dd/mm/yyyy hh:mm",
        "hh:mm:ss",
        "mmm-yy",
        "d-mmm",
        "h:mm AM/PM",
        "[$-409]mmmm d, yyyy",
        "yyyy\\-mm\\-dd",
        'dd"th" mmm',
    }


# ---- what it refuses ------------------------------------------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("part", "doctype", "entity"),
    [
        ("xl/worksheets/data.xml", LAUGHS, "&lol3;"),
        ("xl/worksheets/data.xml", XXE, "&secret;"),
        ("xl/sharedStrings.xml", LAUGHS, "&lol3;"),
        ("xl/workbook.xml", XXE, ""),
    ],
    ids=["billion laughs in a sheet", "external entity in a sheet", "billion laughs in shared strings", "DOCTYPE"],
)
def test_a_doctype_or_entity_declaration_is_refused(part: str, doctype: str, entity: str, tmp_path: Path) -> None:
    plain = _xml_workbook(
        tmp_path / "plain.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="str"><v>ENTITY</v></c></row>',
        strings=["<t>ENTITY</t>"],
    )
    attacked = tmp_path / "attacked.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(attacked, "w") as target:
        for info in source.infolist():
            text = source.read(info).decode().replace("<?xml version='1.0' encoding='UTF-8'?>", "")
            if info.filename == part:
                text = doctype + text.replace("ENTITY", entity)
            target.writestr(info, text.replace("ENTITY", "x"))
    with pytest.raises(WorkbookError, match="DOCTYPE"), open_workbook(attacked) as workbook:
        list(workbook.first_visible_sheet().rows())


def test_an_undeclared_entity_is_not_well_formed(tmp_path: Path) -> None:
    path = _xml_workbook(tmp_path / "entity.xlsx", '<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>')
    with pytest.raises(WorkbookError, match="not well-formed"), open_workbook(path) as workbook:
        list(workbook.first_visible_sheet().rows())


@pytest.mark.parametrize(
    ("sheet_data", "reason"),
    [
        ('<row r="1"><c r="A1" t="n"><v>abc</v></c></row>', "not a number"),
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "shared string '7'"),
        ('<row r="1"><c r="A1" t="weird"><v>1</v></c></row>', "unknown type t='weird'"),
        ('<row r="1"><c r="A1"><v>1</v></c>', "not well-formed"),
    ],
    ids=["a typed number that is none", "a missing shared string", "an unknown cell type", "truncated XML"],
)
def test_a_broken_sheet_is_unreadable_with_the_reason(sheet_data: str, reason: str, tmp_path: Path) -> None:
    path = _xml_workbook(tmp_path / "broken.xlsx", sheet_data, strings=["<t>only</t>"])
    with pytest.raises(WorkbookError, match=reason), open_workbook(path) as workbook:
        list(workbook.first_visible_sheet().rows())


# ---- how it reads ---------------------------------------------------------------------------------------------


def test_shared_strings_are_kept_as_one_utf8_buffer(tmp_path: Path) -> None:
    strings = SharedStrings()
    for text in ["", "plain", "€ and ünïcode", "\U0001f600", "x" * 1000]:
        strings.append(text)
    assert [strings[i] for i in range(len(strings))] == ["", "plain", "€ and ünïcode", "\U0001f600", "x" * 1000]
    assert strings.nbytes < 1100 + 5 * 8
    with pytest.raises(IndexError):
        strings[5]


def test_a_workbook_streams_from_an_fsspec_file_without_being_read_whole(tmp_path: Path) -> None:
    local = _xlsxwriter_workbook(tmp_path / "values.xlsx")
    fsspec.filesystem("memory").pipe("/reader/values.xlsx", local.read_bytes())
    (file,) = find_files(["memory://reader/values.xlsx"], (".xlsx",))
    with open_workbook(local) as expected_workbook:
        expected = list(expected_workbook.sheet("Values").rows())
    with open_workbook(file) as workbook:
        assert list(workbook.sheet("Values").rows()) == expected
    with open_workbook(io.BytesIO(local.read_bytes())) as workbook:
        assert list(workbook.sheet("Values").rows()) == expected


def test_only_the_columns_asked_for_are_decoded(tmp_path: Path) -> None:
    path = _xlsxwriter_workbook(tmp_path / "values.xlsx")
    with open_workbook(path) as workbook:
        sheet = workbook.sheet("Values")
        rows = dict(sheet.rows(columns=[1, 3]))
        assert (sheet.last_row, sheet.last_column) == (16, 702)  # the extent counts every column
    assert rows[1] == ["text", None, None]
    assert rows[2] == [0, None, 7]
    assert rows[10] == [None, None, None]  # D10 is outside: the row is there, its cells not decoded


def _inline_feed(path: Path, rows: int) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for i in range(rows):
        sheet.write_row(i, 0, [f"P{i:07d}", "a description of the part", i % 11, 9.5])
    workbook.close()
    return path


def test_memory_held_while_reading_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    """Python memory at its peak while streaming a sheet of inline strings (no shared-strings table): a 5x longer
    sheet needs no more (allowing 256 KB for noise). No timing is involved."""

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            with open_workbook(path) as workbook:
                for _ in workbook.first_visible_sheet().rows(columns=[1, 3]):
                    pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = (
        peak(_inline_feed(tmp_path / "small.xlsx", 10_000)),
        peak(_inline_feed(tmp_path / "big.xlsx", 50_000)),
    )
    assert large < small + 256 * 1024, (small, large)


def _indented(xml: str) -> str:
    """The same XML with a line break and indentation between elements, as pretty-printers lay it out (an empty
    element written as one tag, so that no white space goes inside it)."""
    return xml.replace("<v></v>", "<v/>").replace("><", ">\n    <")


def test_an_indented_sheet_reads_as_the_compact_one_and_as_calamine_read_it(tmp_path: Path) -> None:
    compact = _xml_workbook(tmp_path / "compact.xlsx", SHEET, strings=STRINGS, styles=STYLES)
    indented = _xml_workbook(tmp_path / "indented.xlsx", _indented(SHEET), strings=STRINGS, styles=STYLES)
    assert_same_as_calamine(indented)
    assert our_sheets(indented) == our_sheets(compact)


def test_a_long_sheet_with_comments_and_character_references_here_and_there_reads_as_calamine_read_it(
    tmp_path: Path,
) -> None:
    """Many parts of the stream: some with a comment, a CDATA section, a character reference or indentation
    (read as they are), the others with their value tags taken out."""
    rows = []
    for i in range(1, 6_001):
        extra = {1000: "<!-- a comment -->", 2000: "<![CDATA[]]>", 3000: "\n  ", 4000: ""}.get(i, "")
        value = "&#10;" if i == 4000 else f"v{i} &amp; co"
        rows.append(
            f'<row r="{i}">{extra}<c r="A{i}"><v>{i}</v></c><c r="B{i}" t="str"><f>x</f><v>{value}</v></c>'
            f'<c r="C{i}" s="1"><v>{45000 + i}</v></c><c r="D{i}" t="s"><v>{i % 2}</v></c>'
            f'<c r="F{i}" t="inlineStr"><is><t>in{i}</t></is></c><c r="G{i}"/></row>'
        )
    path = _xml_workbook(tmp_path / "long.xlsx", "".join(rows), strings=STRINGS[:2], styles=STYLES)
    assert_same_as_calamine(path, columns=(2, 4, 6))
    with open_workbook(path) as workbook:
        got = dict(workbook.first_visible_sheet().rows(columns=[2]))
    assert got[4000] == [None, "\n"]  # a value that is a character reference to a line break stays one


# ---- hostile files: time and memory linear in their size (issue 14) ---------------------------------------


def _read_all(data: bytes) -> list[tuple[int, list[object]]]:
    with open_workbook(io.BytesIO(data)) as workbook:
        return list(workbook.first_visible_sheet().rows())


def _peak_while_reading(data: bytes) -> int:
    tracemalloc.start()
    try:
        _read_all(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "hostile",
    [hostile_xlsx.newlines_between_tags, hostile_xlsx.newlines_between_shared_strings],
    ids=["in sheetData", "between shared strings"],
)
def test_text_between_elements_is_never_kept_so_a_million_newlines_cost_no_memory(hostile: Any) -> None:
    """Issue 14: 2 million newlines inside <sheetData> (3.7 KB compressed) held the upload worker for 87 s, the
    reader building the text between tags by concatenation. Only text inside values is kept now: Python memory
    at its peak does not grow with the newlines (4 million need what 1 million need, allowing 256 KB for
    noise; the stream itself is held back at most 1 MB at a time). No timing is involved; the time is in the
    fuzz pass (test_xlsx_fuzz.py) and in the bench (bench/hostile.py)."""
    million, four_million = hostile(1_000_000), hostile(4_000_000)
    assert len(four_million) < 8_000
    assert _read_all(four_million) == hostile_xlsx.EXPECTED_ROWS
    assert _peak_while_reading(four_million) < _peak_while_reading(million) + 256 * 1024


def test_elements_nested_deeper_than_the_bound_are_refused_with_the_reason() -> None:
    """Issue 14: 4 million nested elements in a 29 KB sheet took the loader to 669 MB (expat keeps every open
    element). A worksheet needs about 10 levels; more than MAX_XML_DEPTH (64) is refused, in any part."""
    assert MAX_XML_DEPTH == 64
    inside_a_cell = MAX_XML_DEPTH - 4  # worksheet, sheetData, row, c
    assert _read_all(hostile_xlsx.nested(inside_a_cell))[:3] == hostile_xlsx.EXPECTED_ROWS
    for depth in (inside_a_cell + 1, 4_000_000):
        with pytest.raises(WorkbookError, match=r"^sheet 'Sheet1' \(row 4\) nests elements more than 64 deep"):
            _read_all(hostile_xlsx.nested(depth))
    deep = b"<x>" * 100 + b"</x>" * 100
    strings = hostile_xlsx.SHARED_STRINGS.replace(b"</sst>", b"<si>" + deep + b"</si></sst>")
    with pytest.raises(WorkbookError, match=r"^sharedStrings.xml nests elements more than 64 deep"):
        _read_all(hostile_xlsx.workbook(hostile_xlsx.sheet(hostile_xlsx.ROWS), shared_strings=strings))
    archive = io.BytesIO(hostile_xlsx.plain())
    parts = {}
    with zipfile.ZipFile(archive) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</workbook>", deep + b"</workbook>")
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as copy:
        for name, content in parts.items():
            copy.writestr(name, content)
    with pytest.raises(WorkbookError, match=r"^xl/workbook.xml nests elements more than 64 deep"):
        open_workbook(io.BytesIO(rebuilt.getvalue()))


def test_a_cell_longer_than_excels_limit_is_refused_and_one_at_the_limit_reads() -> None:
    """Excel holds at most 32,767 characters in a cell; a longer value (in one piece or in many lines), shared
    string or inline string was not written by Excel and is refused, saying so."""
    assert MAX_CELL_CHARS == 32_767
    *_, (row_number, values) = _read_all(hostile_xlsx.long_cell(MAX_CELL_CHARS))
    assert row_number == 4 and len(values[0]) == MAX_CELL_CHARS
    too_long = "holds more than 32,767 characters, Excel's limit for one cell: not read"
    for data in (hostile_xlsx.long_cell(MAX_CELL_CHARS + 1), hostile_xlsx.long_cell(10_000_000, pieces=500_000)):
        with pytest.raises(WorkbookError, match=f"^sheet 'Sheet1': a cell at row 4 {too_long}"):
            _read_all(data)
    runs = b"<r><t>" + b"a" * 1_000 + b"</t></r>"
    inline = b'<row r="4"><c r="A4" t="inlineStr"><is>' + runs * 40 + b"</is></c></row>"
    with pytest.raises(WorkbookError, match=f"^sheet 'Sheet1': a cell at row 4 {too_long}"):
        _read_all(hostile_xlsx.workbook(hostile_xlsx.sheet(hostile_xlsx.ROWS + inline)))
    strings = hostile_xlsx.SHARED_STRINGS.replace(b"</sst>", b"<si>" + runs * 40 + b"</si></sst>")
    with pytest.raises(WorkbookError, match=f"^shared string 3 {too_long}"):
        _read_all(hostile_xlsx.workbook(hostile_xlsx.sheet(hostile_xlsx.ROWS), shared_strings=strings))
