"""What a load did, file by file: rows landed, files rejected and why. Printed by the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

LOADED = "loaded"
REJECTED = "rejected"
SUPERSEDED = "superseded"
UNCHANGED = "unchanged"  # the same file as last loaded: not loaded again


@dataclass
class FileResult:
    """One input file's outcome."""

    file_name: str
    kind: str
    code: str | None = None  # supplier or store code taken from the file name
    status: str = LOADED
    rows: int = 0
    skipped_rows: int = 0
    reason: str | None = None


@dataclass
class LoadReport:
    """Every file a loader looked at, in the order it looked at them."""

    results: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult) -> FileResult:
        self.results.append(result)
        return result

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == REJECTED]

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.results if r.status == LOADED)

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            code = r.code or "?"
            if r.status == LOADED:
                extra = f", {r.skipped_rows} skipped" if r.skipped_rows else ""
                out.append(f"  loaded     {code:<5} {r.file_name}: {r.rows} rows{extra}")
            else:
                out.append(f"  {r.status:<10} {code:<5} {r.file_name}: {r.reason}")
        return out
