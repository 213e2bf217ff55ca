"""Read an upload form as it streams in, and refuse it as soon as it is too big: by its Content-Length before a
byte is read, and mid-stream (without reading the rest) when one file, or the whole body, grows past its limit.

Starlette's own form parser spools every file to disk whatever its size before the endpoint can look at it;
this one is python-multipart's streaming parser with the limits applied on every chunk.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from elt.web.uploads import UploadRejected, max_upload_bytes

MAX_FILES_PER_UPLOAD = 40
MAX_FIELD_BYTES = 64 * 1024
SPOOL_BYTES = 1024 * 1024  # a file part stays in memory up to this, then goes to a temporary file


class UploadTooLarge(UploadRejected):
    """An upload over a size limit: refused before the rest of it is read."""

    status_code = 413


def max_upload_total_bytes() -> int:
    """The most one upload (all its files) may hold: ELT_MAX_UPLOAD_TOTAL_MB, default 100 MB (or the per-file
    limit, when that is larger)."""
    configured = os.environ.get("ELT_MAX_UPLOAD_TOTAL_MB")
    if configured:
        return int(float(configured) * 1024 * 1024)
    return max(100 * 1024 * 1024, max_upload_bytes())


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size < 10 * 2**20 else f"{size / 2**20:,.0f} MB"


def over_total_message(declared: int, limit: int) -> str:
    """Why a request declaring `declared` bytes is refused unread (the app's and the cross-site check's)."""
    return f"this upload is {_mb(declared)}, over the {_mb(limit)} limit per upload (ELT_MAX_UPLOAD_TOTAL_MB): not read"


@dataclass
class UploadedFile:
    """One file of the form: the name the browser sent (not yet a safe name) and its bytes."""

    filename: str
    file: IO[bytes]
    size: int = 0

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def close(self) -> None:
        for uploaded in self.files:
            uploaded.file.close()


class _Collector:
    """python-multipart callbacks: fields into a dict, files into spooled temporary files, limits enforced."""

    def __init__(self, form: UploadForm, max_file_bytes: int, max_files: int) -> None:
        self.form = form
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.name = ""
        self.current: UploadedFile | None = None
        self.value = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.headers, self.current, self.value = {}, None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if len(self.form.files) >= self.max_files:
                raise UploadRejected(f"at most {self.max_files} files per upload: upload the rest separately")
            filename = options[b"filename"].decode("utf-8", "replace")
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (UploadForm.close)
            self.current = UploadedFile(filename, spool)
            self.form.files.append(self.current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.current is None:
            if len(self.value) + len(chunk) > MAX_FIELD_BYTES:
                raise UploadRejected(f"form field {self.name!r} is too long")
            self.value += chunk
            return
        self.current.size += len(chunk)
        if self.current.size > self.max_file_bytes:
            raise UploadTooLarge(
                f"{self.current.filename or 'a file'}: over the {_mb(self.max_file_bytes)} limit per file "
                "(ELT_MAX_UPLOAD_MB): not stored, and nothing of this upload was processed"
            )
        self.current.file.write(chunk)

    def on_part_end(self) -> None:
        if self.current is None and self.name:
            self.form.fields[self.name] = self.value.decode("utf-8", "replace")


async def read_upload_form(
    request: Request,
    max_file_bytes: int | None = None,
    max_total_bytes: int | None = None,
    max_files: int = MAX_FILES_PER_UPLOAD,
) -> UploadForm:
    """The fields and files of a multipart upload. Raises UploadTooLarge before reading when the declared
    Content-Length is over the total limit, and as soon as a file or the body passes its limit while streaming
    (the rest of the body is never read); UploadRejected when the body is not a multipart form."""
    max_file_bytes = max_upload_bytes() if max_file_bytes is None else max_file_bytes
    max_total_bytes = max_upload_total_bytes() if max_total_bytes is None else max_total_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_total_bytes:
        raise UploadTooLarge(over_total_message(int(declared), max_total_bytes))
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise UploadRejected("expected a multipart/form-data upload of feed files")
    form = UploadForm()
    collector = _Collector(form, max_file_bytes, max_files)
    parser = MultipartParser(options[b"boundary"], collector.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_total_bytes:
                raise UploadTooLarge(
                    f"this upload is over the {_mb(max_total_bytes)} limit per upload (ELT_MAX_UPLOAD_TOTAL_MB): "
                    "not stored, and nothing of it was processed"
                )
            parser.write(chunk)
        parser.finalize()
    except UploadRejected:
        form.close()
        raise
    except Exception as exc:  # python-multipart's errors for a malformed body
        form.close()
        raise UploadRejected(f"the upload could not be read as a form ({exc})") from None
    return form
