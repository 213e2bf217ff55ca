"""Find input files under local paths or fsspec URLs (gs://, s3://, file://) with dlt's filesystem source."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dlt.sources.filesystem import FileItemDict, filesystem


@dataclass(frozen=True)
class InputFile:
    """A file to load: its name, where it is, and how to open it (a seekable binary file, read as it is needed:
    local files directly, other URLs through fsspec)."""

    name: str
    url: str
    opener: Callable[[], IO[bytes]]
    fingerprint: str = ""  # size and modification time as listed: a file saved again gets a new one

    def open(self) -> IO[bytes]:
        return self.opener()


def _is_url(path: str) -> bool:
    return "://" in path


def _bucket_and_glob(path: str, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """Split a file or folder path into what dlt's filesystem source takes: a bucket URL and a glob."""
    if _is_url(path):
        head, _, tail = path.rstrip("/").rpartition("/")
        if tail.lower().endswith(suffixes):
            return head, glob.escape(tail)
        return path.rstrip("/"), "*"
    local = Path(path).expanduser().resolve()
    if local.is_dir():
        return local.as_uri(), "*"
    if not local.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return local.parent.as_uri(), glob.escape(local.name)


def find_files(paths: Iterable[str], suffixes: tuple[str, ...], folder_names_contain: str = "") -> list[InputFile]:
    """Every file named by `paths`: files as given; in folders, files ending in `suffixes` whose names contain
    `folder_names_contain` (any case), sorted by name.

    Files named directly are taken whatever their suffix, so a wrong file is rejected visibly, not skipped.
    """
    found: list[InputFile] = []
    for path in paths:
        bucket_url, file_glob = _bucket_and_glob(path, suffixes)
        listed = list(filesystem(bucket_url=bucket_url, file_glob=file_glob))
        if file_glob == "*":
            listed = [
                item
                for item in listed
                if item["file_name"].lower().endswith(suffixes)
                and folder_names_contain.lower() in item["file_name"].lower()
                and not item["file_name"].startswith(("~$", "."))
            ]
        elif not listed:
            raise FileNotFoundError(f"{path}: no such file")
        for item in sorted(listed, key=lambda i: i["relative_path"]):
            fingerprint = f"{item['size_in_bytes']} bytes, modified {item['modification_date'].isoformat()}"
            found.append(InputFile(item["file_name"], item["file_url"], _opener(item), fingerprint))
    return found


def _opener(item: FileItemDict) -> Callable[[], IO[bytes]]:
    if item["file_url"].startswith("file://"):
        local = Path(item.local_file_path)
        return lambda: local.open("rb")
    return lambda: item.open(mode="rb", compression="disable")
