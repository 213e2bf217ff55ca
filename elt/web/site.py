"""What every page of the web app shares: the password guard, the warehouse reader (queries under the warehouse
lock, "not built yet" for missing tables, the last answer while a load holds the warehouse), the templates (with
the `csrf_field()` global every form renders first, and `csp_nonce_attribute()` every inline script and style
carries), and the `Site` the pages receive as a dependency."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from elt.lock import WarehouseBusy, warehouse_lock
from elt.targets import Target, TargetError
from elt.web.csrf import csrf_field
from elt.web.headers import csp_attribute
from elt.web.refresh import BadApiRefresher
from elt.web.uploads import UploadWorker

T = TypeVar("T")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
READ_WAIT_SECONDS = 3.0  # how long a page waits for a load or build to release the warehouse
NOT_BUILT = "not built yet: load the data and run “elt transform” (or upload the day's feeds)"
# A table (or its schema/dataset) that does not exist: DuckDB's catalog error, BigQuery's 404. Nothing else.
_MISSING_TABLE = re.compile(
    r"Catalog Error: Table with name \S+ does not exist|Not found: (Table|Dataset) \S+", flags=re.IGNORECASE
)
_DUCKDB_LOCKED = "Could not set lock on file"
TEMPLATES.env.globals["csrf_field"] = pass_context(lambda context: csrf_field(context["request"]))
TEMPLATES.env.globals["csp_nonce_attribute"] = pass_context(lambda context: csp_attribute(context["request"]))


def password_given(authorization: str | None) -> str:
    """The password of an HTTP basic `Authorization` header ("" when there is none or it is malformed)."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")[2]
    except (ValueError, UnicodeDecodeError):
        return ""


class PasswordGuard:
    """With ELT_WEB_PASSWORD set, every request needs it (HTTP basic auth, any user name), checked before any
    other middleware or page reads a byte of the request. ASGI middleware rather than a FastAPI dependency
    so that it runs before the cross-site check (elt.web.csrf) reads a form's token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        password = os.environ.get("ELT_WEB_PASSWORD")
        if scope["type"] == "http" and password:
            given = password_given(Headers(scope=scope).get("authorization"))
            if not secrets.compare_digest(given.encode(), password.encode()):
                response = PlainTextResponse(
                    "password required", 401, headers={"WWW-Authenticate": 'Basic realm="elt"'}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_missing_table(exc: BaseException) -> bool:
    """True only for "this table does not exist" (not built yet); a wrong column or bad SQL is a bug to show."""
    return bool(_MISSING_TABLE.search(str(exc)))


class Warehouse:
    """Queries for the pages, each under the warehouse lock (a page never opens DuckDB while a load or a build
    writes it). A missing table becomes "not built yet"; a busy warehouse shows the last answer to the same
    query, saying so; any other error is raised."""

    CACHE_SIZE = 32

    def __init__(self, target: Target) -> None:
        self.target = target
        self._answers: OrderedDict[tuple[Any, ...], tuple[Any, dt.datetime]] = OrderedDict()

    @contextmanager
    def reading(self) -> Iterator[None]:
        with warehouse_lock(self.target, wait_seconds=READ_WAIT_SECONDS, reading=True):
            yield

    def read(self, key: tuple[Any, ...], produce: Callable[[], T], empty: T) -> tuple[T, str | None]:
        try:
            with self.reading():
                value = produce()
        except WarehouseBusy:
            return self._busy(key, empty)
        except TargetError as exc:
            return empty, str(exc)
        except Exception as exc:
            if is_missing_table(exc):
                return empty, NOT_BUILT
            if _DUCKDB_LOCKED in str(exc):  # another program (a SQL client) holds the DuckDB file
                return self._busy(key, empty)
            raise
        self._answers[key] = (value, dt.datetime.now(dt.UTC))
        self._answers.move_to_end(key)
        while len(self._answers) > self.CACHE_SIZE:
            self._answers.popitem(last=False)
        return value, None

    def rows(self, sql: str, params: list[Any] | None = None) -> tuple[list[dict[str, Any]], str | None]:
        def produce() -> list[dict[str, Any]]:
            with self.target.connect() as con:
                cursor = con.execute(sql, params or [])
                columns = [d[0] for d in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

        return self.read(("sql", sql, tuple(params or ())), produce, [])

    def _busy(self, key: tuple[Any, ...], empty: T) -> tuple[T, str | None]:
        if key in self._answers:
            value, at = self._answers[key]
            return value, f"the warehouse is busy with a load or a build; shown as it was at {at:%H:%M:%S} UTC"
        return empty, "the warehouse is busy with a load or a build; this page shows it when that has finished"


@dataclass(frozen=True)
class Site:
    """What the pages share: the warehouse, its reader, the upload worker and the bad-API refresher."""

    target: Target
    warehouse: Warehouse
    worker: UploadWorker
    refresher: BadApiRefresher | None

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A server-rendered page from templates/`name`."""
        return TEMPLATES.TemplateResponse(request, name, {"target": self.target, **context}, status_code=status_code)

    def refused(self, request: Request, status_code: int, message: str) -> HTMLResponse:
        """The page for a request refused before its page ran (elt.web.csrf): the reason, and a way back."""
        return self.page(request, "refused.html", status_code=status_code, message=message)


def site(request: Request) -> Site:
    """The pages' shared state (a FastAPI dependency)."""
    return request.app.state.site  # type: ignore[no-any-return]
