"""The eBay client: OAuth refresh-token exchange and Trading API calls (XML over HTTP POST), one seller per store.

    settings = EbaySettings.from_config()                  # SOURCES__EBAY__* (docs/sources/ebay.md §8.1)
    for store in settings.stores:                          # the stores with a refresh token
        with TradingClient(settings, store) as client:
            answer = client.call("GetMyeBaySelling", "<ActiveList>...</ActiveList>")
            answer.ack, answer.errors, answer.root         # parsed, never judged from Ack alone

- Tokens: `access_token()` exchanges the store's refresh token (Basic client_id:client_secret, grant_type
  refresh_token, scope) and keeps the access token until shortly before `expires_in`; a Trading answer
  saying the token expired or is invalid (21917053, 21916984, 931, 932) refreshes it once and repeats the call.
  A refresh token eBay rejects (invalid_grant), or client credentials it rejects (invalid_client), raise
  `TokenRejected(store)`: that store cannot go on, the others can.
- Retries: HTTP 5xx, 429, dropped connections, timeouts and bodies cut short are retried by the shared
  session of loaders/http.py (tenacity, exponential backoff); Trading answers that say "try again" (518 call
  limit, 10007 internal error, 219255/21359 timed out) and HTTP 200 answers that are not XML are retried here
  with the same backoff, to a bound. What still fails raises `EbayError` with `transient=True` (a later run
  may get through). Repeating a
  ReviseInventoryStatus is safe: it sets absolute quantities, so a repeat answers the redundant-revision
  warning (21917091) and changes nothing.
- Answers: `TradingResponse` holds Ack, every `Errors` entry (`ErrorDetail`: code, severity, messages,
  ErrorParameters, the item it names) and the parsed root. A Failure whose errors name no item (no
  ErrorParameters) is a failure of the whole call: `EbayError`. Answers are untrusted input: parsed with
  defusedxml (no entities, no DTDs).

Hand-written because no maintained Python client of the Trading API fits (ebaysdk is unmaintained and not
installable here) and dlt's REST client is JSON-only: the XML build/parse is small and kept in this module.
Secrets (client secret, refresh and access tokens) never go into messages or logs.
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self
from xml.sax.saxutils import escape

import requests
from defusedxml import ElementTree as SafeET
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from loaders import http
from loaders.ebay import settings

NS = settings.NAMESPACE
TOKEN_ERRORS = frozenset({"21917053", "21916984", "931", "932", "21916013"})
"""Trading errors that mean the access token is expired, invalid or revoked: refresh and repeat once."""
TRANSIENT_ERRORS = frozenset({"518", "10007", "219255", "21359"})
"""Trading errors that say "try again later": retried with backoff."""
REDUNDANT_REVISION = "21917091"
_STORE_TOKEN = re.compile(r"^SOURCES__EBAY__([A-Z0-9_]+?)__REFRESH_TOKEN$")


class EbayError(RuntimeError):
    """An eBay call failed: eBay's error `code` and `severity`, a message naming the store and call."""

    def __init__(
        self,
        code: str,
        severity: str,
        message: str,
        *,
        store: str | None = None,
        call_name: str | None = None,
        transient: bool = False,
    ) -> None:
        where = " ".join(part for part in (store and f"store {store}", call_name) if part)
        super().__init__(f"eBay {where}: {message} (error {code})" if where else f"eBay: {message} (error {code})")
        self.code, self.severity, self.message = code, severity, message
        self.store, self.call_name, self.transient = store, call_name, transient


class TokenRejected(EbayError):
    """eBay refused the store's refresh token (or the client credentials): the store cannot be read or revised
    until the seller grants consent again (or the settings are mended)."""


@dataclass(frozen=True)
class ErrorDetail:
    """One `Errors` entry of a Trading answer."""

    code: str
    severity: str
    short_message: str
    long_message: str
    classification: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    """(ParamID, Value) of each ErrorParameters."""

    @property
    def item_id(self) -> str | None:
        """The ItemID the error names (ErrorParameters ParamID="ItemID"), if any."""
        return next((value for name, value in self.parameters if name.lower() == "itemid"), None)

    @property
    def sku(self) -> str | None:
        return next((value for name, value in self.parameters if name.lower() == "sku"), None)

    @property
    def is_error(self) -> bool:
        return self.severity != "Warning"


@dataclass(frozen=True)
class TradingResponse:
    """A parsed Trading answer."""

    call_name: str
    ack: str
    errors: tuple[ErrorDetail, ...]
    root: ET.Element

    def find(self, path: str) -> ET.Element | None:
        """The first element at `path` (`ActiveList/PaginationResult`), eBay's namespace implied."""
        return self.root.find(_qualified(path))

    def findall(self, path: str) -> list[ET.Element]:
        return self.root.findall(_qualified(path))

    def text(self, path: str, element: ET.Element | None = None) -> str | None:
        return text_of(element if element is not None else self.root, path)


def _qualified(path: str) -> str:
    return "/".join(part if part in (".", "..") else f"{{{NS}}}{part}" for part in path.split("/"))


def text_of(element: ET.Element, path: str) -> str | None:
    """The stripped text at `path` under `element` (eBay's namespace implied); None when absent."""
    found = element.find(_qualified(path))
    return None if found is None or found.text is None else found.text.strip()


def element(tag: str, text: object = None, children: Iterable[str] = ()) -> str:
    """`<tag>text</tag>` (text XML-escaped) or `<tag>children…</tag>`: for request bodies."""
    inner = escape(str(text)) if text is not None else "".join(children)
    return f"<{tag}>{inner}</{tag}>"


def request_xml(call_name: str, body_xml: str) -> bytes:
    """A whole request document: `body_xml` (the elements inside `<{call_name}Request>`) wrapped, or sent as is
    when it already is a `<{call_name}Request>` document."""
    stripped = body_xml.lstrip()
    if stripped.startswith("<?xml") or stripped.startswith(f"<{call_name}Request"):
        return stripped.encode("utf-8")
    document = (
        f'<?xml version="1.0" encoding="utf-8"?><{call_name}Request xmlns="{NS}">'
        f"<ErrorLanguage>en_GB</ErrorLanguage><WarningLevel>High</WarningLevel>{body_xml}</{call_name}Request>"
    )
    return document.encode("utf-8")


def parse_response(call_name: str, body: bytes) -> TradingResponse:
    """A Trading answer parsed; ValueError when it is not XML of a Trading answer."""
    try:
        root = SafeET.fromstring(body)
    except Exception as error:  # ParseError, or defusedxml's refusal of entities / DTDs
        raise ValueError(f"the answer is not well-formed XML ({type(error).__name__}: {error})") from None
    ack = text_of(root, "Ack")
    if ack is None or not root.tag.endswith("Response"):
        raise ValueError(f"the answer is XML but not a Trading answer (root {root.tag!r}, no Ack)")
    errors = tuple(
        ErrorDetail(
            code=text_of(node, "ErrorCode") or "",
            severity=text_of(node, "SeverityCode") or "Error",
            short_message=text_of(node, "ShortMessage") or "",
            long_message=text_of(node, "LongMessage") or "",
            classification=text_of(node, "ErrorClassification") or "",
            parameters=tuple(
                (param.get("ParamID", ""), text_of(param, "Value") or "")
                for param in node.findall(_qualified("ErrorParameters"))
            ),
        )
        for node in root.findall(_qualified("Errors"))
    )
    return TradingResponse(call_name, ack, errors, root)


@dataclass(frozen=True)
class EbaySettings:
    """What the eBay source and push read from dlt config (`sources.ebay.*`, env `SOURCES__EBAY__*`)."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    api_url: str = settings.API_URL
    site_id: int = settings.SITE_ID
    compatibility_level: int = settings.COMPATIBILITY_LEVEL
    refresh_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Store code (upper case) -> its seller's refresh token."""
    request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS
    retry_max_attempts: int = settings.RETRY_MAX_ATTEMPTS
    retry_backoff_seconds: float = settings.RETRY_BACKOFF_SECONDS
    retry_max_delay_seconds: float = settings.RETRY_MAX_DELAY_SECONDS

    @classmethod
    def from_config(cls, **overrides: Any) -> Self:
        """Settings from dlt config and secrets; ValueError naming a setting whose value is unusable."""
        import dlt

        def get(name: str, secret: bool = False) -> Any:
            value = (dlt.secrets if secret else dlt.config).get(f"sources.ebay.{name}")
            return None if value in (None, "") else value

        defaults = cls()
        values: dict[str, Any] = {
            "client_id": str(get("client_id", True) or ""),
            "client_secret": str(get("client_secret", True) or ""),
            "refresh_tokens": configured_refresh_tokens(),
        }
        for name in ("api_url", "site_id", "compatibility_level", "request_timeout_seconds", "retry_max_attempts",
                     "retry_backoff_seconds", "retry_max_delay_seconds"):  # fmt: skip
            configured = get(name)
            if configured is not None:
                try:
                    values[name] = type(getattr(defaults, name))(configured)
                except ValueError:
                    raise ValueError(f"SOURCES__EBAY__{name.upper()} = {configured!r} is not a valid value") from None
        values |= {key: value for key, value in overrides.items() if value is not None}
        made = cls(**values)
        if made.retry_max_attempts < 1:
            raise ValueError("SOURCES__EBAY__RETRY_MAX_ATTEMPTS must be at least 1")
        return made

    @property
    def stores(self) -> list[str]:
        """The stores with a refresh token, sorted."""
        return sorted(self.refresh_tokens)

    @property
    def trading_url(self) -> str:
        return self.api_url.rstrip("/") + settings.TRADING_PATH

    @property
    def token_url(self) -> str:
        return self.api_url.rstrip("/") + settings.TOKEN_PATH

    def missing(self) -> list[str]:
        """The settings every store needs that are not set (env names)."""
        return [f"SOURCES__EBAY__{name.upper()}" for name in ("client_id", "client_secret") if not getattr(self, name)]

    def secrets(self) -> list[str]:
        """Every secret value, to keep out of messages."""
        return [s for s in (self.client_secret, *self.refresh_tokens.values()) if s]


def configured_refresh_tokens(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Store -> refresh token from `SOURCES__EBAY__<STORE>__REFRESH_TOKEN` env variables and from
    `[sources.ebay.<store>] refresh_token` in .dlt/secrets.toml; empty values left out."""
    import dlt

    tokens: dict[str, str] = {}
    try:
        section = dlt.secrets.get("sources.ebay")
    except Exception:  # a secrets.toml without the section, or a provider that cannot list it
        section = None
    if isinstance(section, Mapping):
        for name, value in section.items():
            if isinstance(value, Mapping) and value.get("refresh_token"):
                tokens[str(name).upper()] = str(value["refresh_token"])
    for key, value in (os.environ if environ is None else environ).items():
        match = _STORE_TOKEN.match(key)
        if match and value.strip():
            tokens[match.group(1)] = value.strip()
    return tokens


def select_stores(
    ebay: EbaySettings, asked: Iterable[str] | None = None, known: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(stores to call, messages about stores left out). `asked` (e.g. from `--stores AMS,CPO`, comma-separated
    or repeated) or else every store with a token plus the `known` stores (e.g. the store workbooks'); a store
    without a refresh token is left out, saying so."""
    wanted: list[str] = []
    for value in asked or ():
        wanted += [name.strip().upper() for name in value.split(",") if name.strip()]
    if not wanted:
        wanted = sorted({*ebay.stores, *(name.upper() for name in known)})
    chosen, messages = [], []
    for name in dict.fromkeys(wanted):
        if name in ebay.refresh_tokens:
            chosen.append(name)
        else:
            messages.append(f"store {name} skipped: no refresh token (set SOURCES__EBAY__{name}__REFRESH_TOKEN)")
    return chosen, messages


NOT_XML = "not_xml"
"""The code of an HTTP 200 answer that is not a Trading answer or a token (a proxy's page, a body cut short):
retried here."""


def _retry_here(error: BaseException) -> bool:
    """Retried by `TradingClient.call`: Trading answers saying "try again", an expired token that outlived its
    refresh, a 200 that is not XML. Network errors and HTTP 5xx/429 were already retried by the session."""
    if not isinstance(error, EbayError) or isinstance(error, TokenRejected):
        return False
    return error.code in TRANSIENT_ERRORS or error.code in TOKEN_ERRORS or error.code == NOT_XML


class TradingClient:
    """Trading API calls for one store's seller: token kept and refreshed, calls retried (module docstring).

    Thread-safe: one client may serve parallel calls for its store (the token refresh is serialised).
    `session` (default: one of loaders/http.py, closed with the client) and `sleep` (between application
    retries) are injectable.
    """

    def __init__(
        self,
        ebay: EbaySettings,
        store: str,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if store not in ebay.refresh_tokens:
            raise TokenRejected("no_token", "Error", "no refresh token configured", store=store)
        self.settings, self.store = ebay, store
        retry = http.Retry(
            attempts=ebay.retry_max_attempts,
            backoff=ebay.retry_backoff_seconds,
            max_delay=ebay.retry_max_delay_seconds,
            sleep=sleep,
        )
        self._own_session = session is None
        self.session = session or http.session(ebay.request_timeout_seconds, retry)
        self._sleep, self._clock = sleep, clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.token_refreshes = 0
        """How many access tokens this client obtained."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def _redact(self, text: str) -> str:
        for secret in (*self.settings.secrets(), self._token or ""):
            if secret:
                text = text.replace(secret, "***")
        return text

    # -- OAuth --------------------------------------------------------------------------------------
    def access_token(self, *, renew: bool = False, stale: str | None = None) -> str:
        """The store's access token, exchanged from its refresh token when there is none, it is about to expire,
        or `renew` (and it is still the `stale` one another thread did not replace yet)."""
        with self._lock:
            fresh = self._token is not None and self._clock() < self._expires
            if fresh and not (renew and (stale is None or stale == self._token)):
                assert self._token is not None
                return self._token
            self._token = None
            self._token, self._expires = self._exchange()
            self.token_refreshes += 1
            return self._token

    def _exchange(self) -> tuple[str, float]:
        """The refresh grant, its broken answers (a 200 that is not the JSON of a token) retried like the Trading
        calls' (HTTP 5xx, 429 and dropped connections are the session's)."""
        return self._retrying()(self._exchange_once)  # type: ignore[no-any-return]

    def _retrying(self) -> Retrying:
        """The retries of the settings (attempts, exponential backoff) for what `_retry_here` calls transient."""
        ebay = self.settings
        return Retrying(
            stop=stop_after_attempt(ebay.retry_max_attempts),
            wait=wait_exponential(multiplier=ebay.retry_backoff_seconds, max=ebay.retry_max_delay_seconds),
            retry=retry_if_exception(_retry_here),
            sleep=self._sleep,
            reraise=True,
        )

    def _exchange_once(self) -> tuple[str, float]:
        ebay = self.settings
        basic = base64.b64encode(f"{ebay.client_id}:{ebay.client_secret}".encode()).decode()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": ebay.refresh_tokens[self.store],
            "scope": " ".join(settings.SCOPES),
        }
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        try:
            response = self.session.post(ebay.token_url, data=form, headers=headers)
        except requests.RequestException as error:
            raise EbayError(
                "network", "Error", self._redact(f"token endpoint {ebay.token_url} unreachable: {error}"),
                store=self.store, call_name="token", transient=True,
            ) from None  # fmt: skip
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if not isinstance(body, dict):
            # never the body's text in a message: a broken 200 may hold part of a token
            raise EbayError(
                NOT_XML if status == 200 else f"http_{status}", "Error",
                f"token endpoint answered HTTP {status} without a JSON object",
                store=self.store, call_name="token", transient=status == 200 or status >= 500,
            )  # fmt: skip
        if response.status_code == 200 and body.get("access_token"):
            lifetime = float(body.get("expires_in") or 7200)
            return str(body["access_token"]), self._clock() + max(0.0, lifetime - settings.TOKEN_EXPIRY_MARGIN_SECONDS)
        code = str(body.get("error") or f"http_{response.status_code}")
        description = self._redact(str(body.get("error_description") or "no error_description"))[:300]
        if code == "invalid_grant":
            raise TokenRejected(
                code, "Error", f"refresh token rejected ({description}); the seller must grant consent again and "
                f"SOURCES__EBAY__{self.store}__REFRESH_TOKEN be replaced", store=self.store, call_name="token",
            )  # fmt: skip
        if code == "invalid_client":
            raise TokenRejected(
                code, "Error", f"client credentials rejected ({description}); check SOURCES__EBAY__CLIENT_ID and "
                "SOURCES__EBAY__CLIENT_SECRET", store=self.store, call_name="token",
            )  # fmt: skip
        raise EbayError(
            code, "Error", f"token endpoint answered HTTP {response.status_code}: {description}",
            store=self.store, call_name="token", transient=response.status_code >= 500,
        )  # fmt: skip

    # -- Trading ------------------------------------------------------------------------------------
    def call(self, call_name: str, body_xml: str) -> TradingResponse:
        """One Trading call (`body_xml`: the request's elements, or a whole request document), its answer parsed.

        Raises `TokenRejected` when the store's token cannot be had, `EbayError` when the whole call failed
        (transient errors after the retries, or a Failure naming no item)."""
        document = request_xml(call_name, body_xml)
        return self._retrying()(self._call_once, call_name, document)  # type: ignore[no-any-return]

    def _call_once(self, call_name: str, document: bytes) -> TradingResponse:
        token = self.access_token()
        answer = self._post(call_name, document, token)
        if any(error.code in TOKEN_ERRORS for error in answer.errors) and answer.ack == "Failure":
            answer = self._post(call_name, document, self.access_token(renew=True, stale=token))
        failures = [error for error in answer.errors if error.is_error]
        if answer.ack == "Failure" and failures and not any(error.parameters for error in failures):
            first = failures[0]
            raise EbayError(
                first.code, first.severity, first.long_message or first.short_message,
                store=self.store, call_name=call_name,
                transient=first.code in TRANSIENT_ERRORS or first.code in TOKEN_ERRORS,
            )  # fmt: skip
        return answer

    def _post(self, call_name: str, document: bytes, token: str) -> TradingResponse:
        ebay = self.settings
        headers = {
            "X-EBAY-API-CALL-NAME": call_name,
            "X-EBAY-API-SITEID": str(ebay.site_id),
            "X-EBAY-API-COMPATIBILITY-LEVEL": str(ebay.compatibility_level),
            "X-EBAY-API-IAF-TOKEN": token,
            "Content-Type": "text/xml",
        }
        try:
            response = self.session.post(ebay.trading_url, data=document, headers=headers)
        except requests.RequestException as error:
            raise EbayError(
                "network", "Error", self._redact(f"{ebay.trading_url} unreachable: {error}"),
                store=self.store, call_name=call_name, transient=True,
            ) from None  # fmt: skip
        try:
            return parse_response(call_name, response.content)
        except ValueError as error:
            status = response.status_code
            raise EbayError(
                NOT_XML if status == 200 else f"http_{status}", "Error", f"HTTP {status}: {error}",
                store=self.store, call_name=call_name, transient=status == 200 or status >= 500 or status == 429,
            ) from None  # fmt: skip


__all__ = [
    "REDUNDANT_REVISION",
    "EbayError",
    "EbaySettings",
    "ErrorDetail",
    "TokenRejected",
    "TradingClient",
    "TradingResponse",
    "configured_refresh_tokens",
    "element",
    "parse_response",
    "request_xml",
    "select_stores",
    "text_of",
]
