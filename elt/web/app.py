"""The seller's web page: FastAPI with server-rendered pages over the warehouse the CLI uses.

`create_app` wires what every page shares (elt.web.site: the password guard, the warehouse reader, the upload
worker, the bad-API refresher), the cross-site protection of every state-changing request (elt.web.csrf), and
mounts one router per page from `elt.web.pages`: upload (feeds in, jobs), ebay (what will be revised, the Revise
zip), stock (positions, the bad API's products), suppliers (feeds of a day, a chart over the retention
window), runs (history).

Middleware, outermost first: the Host check (TrustedHosts), the security headers (SecurityHeaders, also the
trailing-slash redirect), the password (PasswordGuard), then the cross-site check (CrossSiteProtection).
A new form needs nothing but `{{ csrf_field() }}` as its first element; its POST handler checks nothing itself:
a POST (PUT, PATCH, DELETE…) without a valid token never reaches it. An inline `<script>` or `<style>` needs
`{{ csp_nonce_attribute() }}` (the Content-Security-Policy blocks one without it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from elt.targets import Target
from elt.web.csrf import CrossSiteProtection
from elt.web.forms import max_upload_total_bytes
from elt.web.headers import SecurityHeaders, TrustedHosts
from elt.web.pages import ebay, runs, stock, suppliers, upload
from elt.web.refresh import BadApiRefresher, configured_base_url
from elt.web.site import NOT_BUILT, PasswordGuard, Site, Warehouse
from elt.web.uploads import UploadWorker

__all__ = ["NOT_BUILT", "Warehouse", "create_app"]


def create_app(target: Target, refresh_badapi: bool | None = None) -> FastAPI:
    """The app over `target`. `refresh_badapi` (default: when the bad API is configured) starts the bad API's
    five-minute refresh with the app (elt.web.refresh)."""
    base_url = configured_base_url()
    refresher = BadApiRefresher(target, base_url) if base_url and refresh_badapi is not False else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if refresher is not None:
            refresher.start()
        try:
            yield
        finally:
            if refresher is not None:
                refresher.stop()

    app = FastAPI(
        title="elt: supplier stock and eBay",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own pages would sit outside the password: the app has no API to document
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,  # SecurityHeaders redirects /upload/ to /upload, relative: no Host in it
    )
    app.state.site = Site(target=target, warehouse=Warehouse(target), worker=UploadWorker(target), refresher=refresher)
    app.state.refresher = refresher
    app.state.worker = app.state.site.worker
    for page in (upload, ebay, stock, suppliers, runs):
        app.include_router(page.router)
    app.add_middleware(CrossSiteProtection, max_body_bytes=max_upload_total_bytes, refuse=app.state.site.refused)
    app.add_middleware(PasswordGuard)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrustedHosts)  # added last: runs first
    return app
