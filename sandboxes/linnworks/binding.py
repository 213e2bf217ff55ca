"""Parameter binding as lenient as the Linnworks (ASP.NET) server: every encoding clients use works.

One call's parameters are merged from the query string, a form body and a JSON body. Keys are matched
case-insensitively and with surrounding whitespace stripped (Airbyte sends `pkStockLocationId `).
Parameters of methods that take a `request` object may come wrapped (`request=<json>` in a form,
`{"request": {...}}` in JSON) or flat; `Params.get` looks at the flat keys first, then inside `request`.
Form and query values are strings, so structured values may be JSON text (`dataRequirements=[0,1]`,
`pkOrderIds=["…"]`); enums are accepted as ints, digit strings or names.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl


class BindingError(ValueError):
    """The request could not be bound: the server answers 400 with this message."""

    def __init__(self, message: str = "The request is invalid.") -> None:
        super().__init__(message)
        self.message = message


def normalise_keys(value: Any) -> Any:
    """`value` with every dict key lower-cased and stripped, recursively."""
    if isinstance(value, Mapping):
        return {str(k).strip().lower(): normalise_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_keys(v) for v in value]
    return value


def maybe_json(value: Any) -> Any:
    """Decode `value` if it is a string holding a JSON array or object; otherwise return it unchanged."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise BindingError() from error
    return value


class Params:
    """The merged, case-insensitive parameters of one call."""

    def __init__(self, values: Mapping[str, Any] | None = None, body: Any = None) -> None:
        self.values: dict[str, Any] = normalise_keys(dict(values or {}))
        self.body = body
        """The decoded JSON body when it was not an object (e.g. a bare array), else None."""
        self._request: dict[str, Any] | None = None

    @classmethod
    def from_request(cls, query: str, content_type: str | None, body: bytes) -> Params:
        """Bind a raw HTTP request. Raises BindingError for a body that cannot be decoded."""
        values: dict[str, Any] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            values[key.strip().lower()] = value
        raw_body: Any = None
        try:
            text = body.decode("utf-8-sig") if body else ""
        except UnicodeDecodeError as error:
            raise BindingError() from error
        kind = (content_type or "").split(";")[0].strip().lower()
        if text.strip():
            if kind == "application/json" or (kind not in ("application/x-www-form-urlencoded",) and _looks_json(text)):
                try:
                    decoded = json.loads(text)
                except json.JSONDecodeError as error:
                    raise BindingError() from error
                if isinstance(decoded, dict):
                    values.update(normalise_keys(decoded))
                else:
                    raw_body = normalise_keys(decoded)
            else:
                for key, value in parse_qsl(text, keep_blank_values=True):
                    values[key.strip().lower()] = value
        return cls(values, raw_body)

    def request(self) -> dict[str, Any]:
        """The `request` wrapper object, decoded (empty when absent)."""
        if self._request is None:
            wrapped = maybe_json(self.values.get("request"))
            if wrapped is None or wrapped == "":
                wrapped = {}
            if not isinstance(wrapped, dict):
                raise BindingError()
            self._request = normalise_keys(wrapped)
        return self._request

    def get(self, name: str, default: Any = None) -> Any:
        """A parameter by name (any casing): flat keys first, then inside `request`."""
        key = name.lower()
        if key in self.values and key != "request":
            return self.values[key]
        return self.request().get(key, default)

    def has(self, name: str) -> bool:
        return self.get(name, _MISSING) is not _MISSING

    def get_str(self, name: str, default: str = "") -> str:
        value = self.get(name)
        return default if value is None else str(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        return to_int(self.get(name), default)

    def get_bool(self, name: str, default: bool = False) -> bool:
        return to_bool(self.get(name), default)

    def get_list(self, name: str) -> list[Any]:
        return to_list(self.get(name))

    def get_object(self, name: str) -> dict[str, Any]:
        value = maybe_json(self.get(name))
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise BindingError()
        return normalise_keys(value)


_MISSING = object()


def _looks_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[", '"')


def to_int(value: Any, default: int | None = None) -> int | None:
    """An int from an int, float without fraction or digit string; `default` for None/""."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BindingError()
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError as error:
        raise BindingError() from error


def to_bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise BindingError()


def to_list(value: Any) -> list[Any]:
    """A list from a list, a JSON array string, or a comma-separated string; [] for None/""."""
    value = maybe_json(value)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip().strip('"') for part in value.split(",") if part.strip()]
    return [value]


def to_guid(value: Any) -> str:
    """A lower-case hyphenated GUID string; BindingError if `value` is not a GUID."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError) as error:
        raise BindingError() from error


def to_guids(value: Any) -> list[str]:
    return [to_guid(v) for v in to_list(value)]


def to_enum(value: Any, names: Sequence[str]) -> int:
    """The ordinal of an enum member given as int, digit string or (any-case) name."""
    if isinstance(value, bool):
        raise BindingError()
    if isinstance(value, int):
        if 0 <= value < len(names):
            return value
        raise BindingError()
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return to_enum(int(text), names)
    lowered = [name.lower() for name in names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    raise BindingError()


def to_enum_list(value: Any, names: Sequence[str]) -> list[int]:
    """Ordinals for a list of enum members (JSON text, list or comma-separated)."""
    return [to_enum(v, names) for v in to_list(value)]
