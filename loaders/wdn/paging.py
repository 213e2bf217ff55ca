"""Paging of What Drops Now listings: `page`/`page_size` parameters, stop when `meta.page` says all were read.

The API reports the number of records (`meta.page.total_count`) and the page it answered
(`meta.page.current_page`), not the number of pages, so dlt's PageNumberPaginator (which wants a page count,
or an extra empty page to stop) does not fit: this paginator stops after page ⌈total_count / page_size⌉,
so an empty offers list costs exactly one call.
"""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.requests import Request, Response
from dlt.sources.helpers.rest_client.paginators import BasePaginator


class TotalCountPaginator(BasePaginator):
    """Asks for page 1, 2, … with `page_size` until `current_page * page_size >= total_count`."""

    def __init__(self, page_size: int) -> None:
        super().__init__()
        self.page_size = page_size
        self.page = 1

    def init_request(self, request: Request) -> None:
        self.page = 1
        self._has_next_page = True
        self._set_params(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        meta = response.json().get("meta", {}).get("page", {})
        current = int(meta.get("current_page") or self.page)
        total = meta.get("total_count")
        if total is None or not data:
            self._has_next_page = False
            return
        self.page = current + 1
        self._has_next_page = current * self.page_size < int(total)

    def update_request(self, request: Request) -> None:
        self._set_params(request)

    def _set_params(self, request: Request) -> None:
        request.params = {**(request.params or {}), "page": self.page, "page_size": self.page_size}

    def __str__(self) -> str:
        return f"TotalCountPaginator(page={self.page}, page_size={self.page_size})"
