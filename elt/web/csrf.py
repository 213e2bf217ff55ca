"""Cross-site protection for every state-changing request (uploads, and any form added later).

`CrossSiteProtection` is ASGI middleware that lets GET, HEAD and OPTIONS through and refuses every other method
unless all of these hold, before the endpoint runs (so a refused request changes nothing):

1. the browser does not say the request comes from another site: `Sec-Fetch-Site`, when sent, is `same-origin`
   (or `none`, a request the user typed), and `Origin`, when sent, is this server's own origin (scheme and
   Host). A page on another port of the same machine is another origin and is refused too;
2. the request carries the session cookie (`elt_session`: HttpOnly, SameSite=Strict, set on the first page
   the browser opens), which a cross-site request does not get;
3. it carries that session's token (an HMAC of the session under a per-process secret): in the
   `X-CSRF-Token` header, or as the first field of the form. Forms render it with `{{ csrf_field() }}`
   (a template global) as their first element; nothing else is needed, and a form that forgets it is
   refused, never let through.

A request whose declared Content-Length is over the largest upload is refused (413) before a byte is read, so
the token check never reads more than the token field (at most MAX_TOKEN_PART_BYTES).

Hand-written, not a package: starlette-csrf and fastapi-csrf-protect read the token from a header only or parse
the whole form before the endpoint runs, which would spool an upload to disk before its size limits apply
(elt.web.forms reads uploads as they stream). Only the token field, first in the body, is read here; the
endpoint then reads the body from its start, replayed.

A server restart changes the secret: a page opened before it asks the user to reload it (the refusal says so).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup, escape
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elt.web.forms import over_total_message

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_NAME = "elt_session"
FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"
MAX_TOKEN_PART_BYTES = 64 * 1024  # the most read before the token field must have been seen
_SESSION = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_HOST_PORT = re.compile(r"(.*?)(?::(\d+))?")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
RELOAD = "reload the page and send the form again"

Refuse = Callable[[Request, int, str], Response]


class Refused(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def csrf_token(request: Request) -> str:
    """The token of this request's session, for a form field or an `X-CSRF-Token` header."""
    token = request.scope.get("state", {}).get("csrf_token")
    if not token:
        raise RuntimeError("CrossSiteProtection is not installed on this app")
    return str(token)


def csrf_field(request: Request) -> Markup:
    """The hidden field every form puts first: `<input type="hidden" name="csrf_token" value="…">`."""
    return Markup(f'<input type="hidden" name="{FIELD_NAME}" value="{escape(csrf_token(request))}">')


def _origin_of(scheme: str, netloc: str) -> str:
    host, port = _HOST_PORT.fullmatch(netloc.lower()).groups()  # type: ignore[union-attr]
    if not port or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origin(scope: Scope) -> str:
    """This server's origin as the browser names it: the request's scheme and its Host header."""
    host = Headers(scope=scope).get("host", "")
    return _origin_of(scope.get("scheme", "http"), host)


def cross_site_reason(scope: Scope) -> str | None:
    """Why the browser's own headers say this request comes from another site, or None."""
    headers = Headers(scope=scope)
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return f"refused: a request from another site (Sec-Fetch-Site: {fetch_site}) cannot change anything here"
    origin = headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin.strip())
        given = _origin_of(parts.scheme.lower(), parts.netloc) if parts.scheme and parts.netloc else origin
        if given != own_origin(scope):
            return f"refused: a request from another origin ({origin[:200]}) cannot change anything here"
    return None


class _FirstPart:
    """python-multipart callbacks that keep the first part's name and value (a file part has no value)."""

    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.name: str | None = None
        self.is_file = False
        self.value = bytearray()
        self.done = False
        self.parts = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": lambda d, s, e: setattr(self, "header_name", self.header_name + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "header_value", self.header_value + d[s:e]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.parts += 1

    def on_header_end(self) -> None:
        if self.parts == 1:
            self.headers[self.header_name.lower()] = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        if self.parts == 1:
            _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
            self.name = options.get(b"name", b"").decode("utf-8", "replace")
            self.is_file = b"filename" in options

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.parts == 1 and not self.is_file:
            self.value += data[start:end]

    def on_part_end(self) -> None:
        self.done = True


async def _read_body_token(scope: Scope, receive: Receive) -> tuple[str | None, list[Message]]:
    """The token field at the start of a form body, and the messages read to find it (to replay)."""
    content_type, options = parse_options_header(Headers(scope=scope).get("content-type", ""))
    read: list[Message] = []
    size = 0

    async def more() -> bytes | None:
        nonlocal size
        if read and not read[-1].get("more_body", False):
            return None
        message = await receive()
        if message["type"] != "http.request":
            raise Refused(400, "the request ended before its form was sent")
        read.append(message)
        size += len(message.get("body", b""))
        if size > MAX_TOKEN_PART_BYTES and content_type != b"multipart/form-data":
            raise Refused(413, f"a form over {MAX_TOKEN_PART_BYTES // 1024} KB: refused")
        return message.get("body", b"")

    if content_type == b"application/x-www-form-urlencoded":
        while await more() is not None:
            pass
        body = b"".join(m.get("body", b"") for m in read).decode("latin-1")
        values = parse_qs(body, keep_blank_values=True).get(FIELD_NAME)
        return (values[0] if values else None), read
    if content_type == b"multipart/form-data" and options.get(b"boundary"):
        first = _FirstPart()
        parser = MultipartParser(options[b"boundary"], first.callbacks())  # type: ignore[arg-type]
        try:
            while not first.done and not (first.parts == 1 and first.is_file):
                chunk = await more()
                if chunk is None:
                    break
                parser.write(chunk)
                if size > MAX_TOKEN_PART_BYTES and not first.done:
                    break  # the token is short and comes first: this is not it
        except Refused:
            raise
        except Exception:  # python-multipart's errors for a malformed body
            return None, read
        if first.name == FIELD_NAME and not first.is_file and first.done:
            return first.value.decode("utf-8", "replace"), read
        return None, read
    return None, read


class CrossSiteProtection:
    """The middleware (see the module docstring). `refuse(request, status, message)` renders a refusal;
    `max_body_bytes()` is the largest body any endpoint accepts (a larger declared Content-Length is refused
    before it is read)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: Callable[[], int],
        refuse: Refuse | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.refuse = refuse or (lambda _request, status, message: PlainTextResponse(message, status))
        self.secret = secret or secrets.token_bytes(32)

    def token_for(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = Request(scope).cookies
        session = cookies.get(COOKIE_NAME, "")
        new_session = not _SESSION.fullmatch(session)
        if new_session:
            session = secrets.token_urlsafe(32)
        token = self.token_for(session)
        scope.setdefault("state", {})["csrf_token"] = token

        async def send_with_cookie(message: Message) -> None:
            if new_session and message["type"] == "http.response.start":
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{COOKIE_NAME}={session}; Path=/; HttpOnly; SameSite=Strict{secure}"
                )
            await send(message)

        if scope["method"] not in SAFE_METHODS:
            try:
                receive = await self._check(scope, receive, token, new_session)
            except Refused as refused:
                response = self.refuse(Request(scope), refused.status_code, refused.message)
                await response(scope, receive, send_with_cookie)
                return
        await self.app(scope, receive, send_with_cookie)

    async def _check(self, scope: Scope, receive: Receive, token: str, new_session: bool) -> Receive:
        """The request's `receive`, replaying what was read to find the token; raises Refused."""
        reason = cross_site_reason(scope)
        if reason:
            raise Refused(403, reason)
        declared = Headers(scope=scope).get("content-length", "")
        limit = self.max_body_bytes()
        if declared.isdigit() and int(declared) > limit:
            raise Refused(413, over_total_message(int(declared), limit))
        if new_session:
            raise Refused(403, f"refused: no session cookie came with this request (cross-site?): {RELOAD}")
        given = Headers(scope=scope).get(HEADER_NAME)
        read: list[Message] = []
        if given is None:
            given, read = await _read_body_token(scope, receive)
        if given is None:
            raise Refused(403, f"refused: the form has no cross-site token ({FIELD_NAME}): {RELOAD}")
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise Refused(403, f"refused: the form's cross-site token is wrong or out of date: {RELOAD}")
        return _replaying(read, receive)


def _replaying(read: list[Message], receive: Receive) -> Receive:
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
