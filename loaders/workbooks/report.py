"""What a workbook load did, file by file: rows landed, files rejected and why (a `LoadResult`)."""

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

    table: str = ""
    """The raw table the rows land in (`stock_feed_rows`, `products`, `store_listings`)."""
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

    @property
    def row_counts(self) -> dict[str, int]:
        return {self.table: self.rows} if self.table else {}

    @property
    def error(self) -> str | None:
        """The rejected files and why, in one message; None when every file loaded."""
        if not self.rejected:
            return None
        return f"{len(self.rejected)} file(s) rejected: " + "; ".join(
            f"{r.file_name}: {r.reason}" for r in self.rejected
        )

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            code = r.code or "?"
            if r.status == LOADED:
                extra = f", {r.skipped_rows} skipped" if r.skipped_rows else ""
                out.append(f"  loaded     {code:<5} {r.file_name}: {r.rows} rows{extra}")
            else:  # a reason that starts with the file's name does not say it twice
                reason = (r.reason or "").removeprefix(f"{r.file_name}: ")
                out.append(f"  {r.status:<10} {code:<5} {r.file_name}: {reason}")
        return out
