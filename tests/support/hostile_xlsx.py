"""Small xlsx files built byte by byte whose sheet XML is hostile (issue 14): millions of newlines between tags,
elements nested millions deep, one cell's text far past Excel's limit. Each is a few KB compressed. Used by the
reader's tests, its fuzz pass and the bench (bench/hostile.py)."""

from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{_REL}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
# A feed's header and two rows, as the reader sees them: ["Part", "In Stock"], ["A1", "YES"], ["A2", 3].
ROWS = (
    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>A1</t></is></c><c r="B2" t="str"><v>YES</v></c></row>'
    b'<row r="3"><c r="A3" t="str"><v>A2</v></c><c r="B3"><v>3</v></c></row>'
)
SHARED_STRINGS = f'<sst xmlns="{MAIN}"><si><t>Part</t></si><si><t>In Stock</t></si></sst>'.encode()
EXPECTED_ROWS = [(1, ["Part", "In Stock"]), (2, ["A1", "YES"]), (3, ["A2", 3])]


def workbook(sheet_xml: bytes, shared_strings: bytes = SHARED_STRINGS) -> bytes:
    """An xlsx (zip, deflated at level 9) with one worksheet of `sheet_xml` and the given shared strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def sheet(body: bytes) -> bytes:
    return SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"


def plain() -> bytes:
    """The three rows, nothing hostile."""
    return workbook(sheet(ROWS))


def newlines_between_tags(count: int) -> bytes:
    """`count` newlines inside <sheetData>, before the rows (issue 14: 2 million held the worker for 87 s)."""
    return workbook(sheet(b"\n" * count + ROWS))


def newlines_between_shared_strings(count: int) -> bytes:
    """`count` newlines between the <si> elements of the shared strings."""
    strings = SHARED_STRINGS.replace(b"<si>", b"\n" * (count // 2) + b"<si>")
    return workbook(sheet(ROWS), shared_strings=strings)


def nested(depth: int) -> bytes:
    """Elements nested `depth` deep inside a cell (issue 14: 4 million took the loader to 669 MB)."""
    return workbook(sheet(ROWS + b'<row r="4"><c r="A4">' + b"<x>" * depth + b"</x>" * depth + b"</c></row>"))


def long_cell(characters: int, pieces: int = 1) -> bytes:
    """One cell whose value holds `characters` characters in `pieces` lines (Excel's limit is 32,767)."""
    line = b"a" * max(1, characters // pieces - 1) + b"\n"
    return workbook(sheet(ROWS + b'<row r="4"><c r="A4" t="str"><v>' + line * pieces + b"</v></c></row>"))
