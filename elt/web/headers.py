"""The Host check and the security headers of every response.

`TrustedHosts` refuses (400) a request whose Host header is not one of the loopback names (127.0.0.1,
localhost, ::1, with any port) or a host configured in ELT_WEB_HOSTS (comma-separated names or addresses, for a
server reached by another name: `shop.example.com,192.168.1.20`). A page on another site that points its own
name at 127.0.0.1 (DNS rebinding) would otherwise read every page while no password is set. Hand-written rather
than Starlette's TrustedHostMiddleware, which cuts the port at the first colon and so can never match `[::1]`.

`SecurityHeaders` sets on every response: a Content-Security-Policy (scripts and styles only from this server
or inline with the request's nonce, `frame-ancestors 'none'`, forms posting only here), X-Frame-Options DENY,
X-Content-Type-Options nosniff, Referrer-Policy same-origin, Cross-Origin-Opener-Policy and -Resource-Policy
same-origin. Inline `<script>` and `<style>` elements carry `nonce="{{ csp_nonce() }}"` (a template global);
one without it does not run. It also answers a path with a trailing slash (`/upload/`) with a redirect to the
path without it, relative (`Location: /upload`): the Host header never reaches a redirect.

MDN: https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy,
https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Content-Type-Options,
https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Referrer-Policy.
"""

from __future__ import annotations

import os
import re
import secrets

from markupsafe import Markup
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_HOST = re.compile(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]]*)(?::\d*)?")


def host_name(host_header: str) -> str | None:
    """The name in a Host header, without its port or IPv6 brackets, lower case; None when malformed."""
    match = _HOST.fullmatch(host_header.strip())
    if not match or not match.group(1):
        return None
    return match.group(1).strip("[]").lower().rstrip(".")


def configured_hosts() -> frozenset[str]:
    """The loopback names and ELT_WEB_HOSTS."""
    extra = {name.strip().strip("[]").lower() for name in os.environ.get("ELT_WEB_HOSTS", "").split(",")}
    return LOOPBACK_HOSTS | {name for name in extra if name}


class TrustedHosts:
    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None = None) -> None:
        self.app = app
        self.hosts = hosts if hosts is not None else configured_hosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            given = Headers(scope=scope).get("host", "")
            if host_name(given) not in self.hosts:
                message = (
                    f"refused: this server does not answer to the host {given[:100]!r}; "
                    "add it to ELT_WEB_HOSTS if that is how it is reached"
                )
                await PlainTextResponse(message, 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def csp_nonce(request: Request) -> str:
    """This response's nonce for inline scripts and styles."""
    return str(request.scope.get("state", {}).get("csp_nonce", ""))


def csp_attribute(request: Request) -> Markup:
    return Markup(f'nonce="{csp_nonce(request)}"')


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = content_security_policy(nonce)
                headers["x-frame-options"] = "DENY"
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "same-origin"
                headers["cross-origin-opener-policy"] = "same-origin"
                headers["cross-origin-resource-policy"] = "same-origin"
            await send(message)

        path = scope.get("path", "/")
        if scope["method"] in ("GET", "HEAD") and path != "/" and path.endswith("/"):
            # Relative, and never `//host`: a path such as //evil.example/ must not become an address.
            location = "/" + path.strip("/")
            query = scope.get("query_string", b"").decode("latin-1")
            response = RedirectResponse(location + (f"?{query}" if query else ""), status_code=307)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
