"""A fuzz pass over the streaming xlsx reader: the bad-feed corpus and the hostile workbooks, then random
mutations of them (bytes of the zip flipped; the sheet XML cut, repeated, spliced with tag soup, deep nesting or
newlines, and zipped again), a fixed seed and a bounded count. Every input is either read or refused with a
WorkbookError that gives a reason, never another exception; and each is read in time linear in its size (a
generous bound per uncompressed MB: 2 million newlines between tags once took 87 s, a quadratic cost).

Figures for the pass are in the bench (`bench/hostile.py`), not here."""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

import pytest

from loaders.workbooks.reader import WorkbookError, open_workbook
from tests.support import hostile_xlsx
from tests.support.bad_feeds import CASES

SEED = 14
MUTANTS_PER_SEED = 12
HEAVY = ("1,048,576 rows", "a cell in the last row Excel has", "a zip-bomb-like huge sheet")
SECONDS_PER_MB = 3.0  # the reader reads several MB of sheet XML a second; quadratic costs pass this at once
SECONDS_FLOOR = 1.0
SOUP = [b"<", b">", b"</c>", b"<c r='A9'>", b"<v>", b"</v>", b"<row>", b"</row>", b"&amp;", b"&#0;", b"\x00",
        b"<is><t>", b"</t></is>", b"<x:c>", b"]]>", b"<![CDATA[", b"<?pi?>", b"<!--", b"-->", b"\xff\xfe"]  # fmt: skip


def _seeds(folder: Path) -> list[tuple[str, bytes]]:
    seeds = []
    for case in CASES:
        if case.name not in HEAVY:
            seeds.append((case.name, case.write(folder).read_bytes()))
    seeds += [
        ("hostile: newlines between tags", hostile_xlsx.newlines_between_tags(200_000)),
        ("hostile: nested", hostile_xlsx.nested(100_000)),
        ("hostile: long cell", hostile_xlsx.long_cell(100_000, pieces=1_000)),
        ("hostile: plain", hostile_xlsx.plain()),
    ]
    return seeds


def _parts(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except Exception:
        return None


def _rezip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _mutant(rng: random.Random, data: bytes) -> bytes:
    parts = _parts(data)
    xml_parts = [name for name in parts or {} if name.endswith(".xml")]
    if not xml_parts or rng.random() < 0.25:  # flip bytes of the file itself
        flipped = bytearray(data or b"\x00")
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    assert parts is not None
    name = rng.choice(xml_parts)
    xml = parts[name]
    at = rng.randrange(len(xml) + 1)
    kind = rng.randrange(5)
    if kind == 0:  # cut a slice out
        xml = xml[:at] + xml[at + rng.randint(1, 200) :]
    elif kind == 1:  # repeat a slice
        xml = xml[:at] + xml[at : at + rng.randint(1, 200)] * rng.randint(2, 200) + xml[at:]
    elif kind == 2:  # tag soup
        xml = xml[:at] + b"".join(rng.choice(SOUP) for _ in range(rng.randint(1, 30))) + xml[at:]
    elif kind == 3:  # deep nesting
        depth = rng.choice([10, 70, 5_000, 100_000])
        xml = xml[:at] + b"<q>" * depth + b"</q>" * depth + xml[at:]
    else:  # newlines or spaces
        xml = xml[:at] + rng.choice([b"\n", b" ", b"\r\n"]) * rng.randint(1_000, 300_000) + xml[at:]
    parts[name] = xml
    return _rezip(parts)


def _expanded_mb(data: bytes) -> float:
    parts = _parts(data)
    return sum(len(content) for content in parts.values()) / 2**20 if parts else len(data) / 2**20


def _read(data: bytes) -> str:
    """'read' or 'refused: <reason>'; anything but a WorkbookError fails the test."""
    try:
        with open_workbook(io.BytesIO(data)) as workbook:
            for sheet in workbook.worksheets():
                for _ in sheet.rows():
                    pass
    except WorkbookError as exc:
        assert str(exc).strip(), "a refusal without a reason"
        return f"refused: {exc}"
    return "read"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    rng = random.Random(SEED)
    out = []
    for name, data in _seeds(tmp_path_factory.mktemp("fuzz")):
        out.append((name, data))
        out += [(f"{name} / mutant {i}", _mutant(rng, data)) for i in range(MUTANTS_PER_SEED)]
    return out


def test_every_fuzzed_workbook_is_read_or_refused_with_a_reason_in_time_linear_in_its_size(
    inputs: list[tuple[str, bytes]],
) -> None:
    outcomes: dict[str, int] = {"read": 0, "refused": 0}
    for name, data in inputs:
        started = time.perf_counter()
        outcome = _read(data)
        seconds = time.perf_counter() - started
        outcomes[outcome.split(":")[0]] += 1
        budget = SECONDS_FLOOR + SECONDS_PER_MB * _expanded_mb(data)
        assert seconds < budget, f"{name}: {seconds:.1f} s for {_expanded_mb(data):.1f} MB ({outcome[:200]})"
    assert len(inputs) >= 250
    assert outcomes["read"] > 20 and outcomes["refused"] > 20, outcomes
