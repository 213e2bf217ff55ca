"""Timestamps the way Linnworks writes them: .NET ticks in, ISO-8601 UTC with 0-7 fractional digits out.

The sandbox keeps every date as an integer count of 100 ns ticks since 0001-01-01 (the .NET `DateTime`
epoch), so an unset date is simply tick 0 and formats as ``0001-01-01T00:00:00Z``, and comparisons keep
the full 7-digit precision the API shows (``2022-03-15T14:31:09.1039999Z``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

TICKS_PER_SECOND = 10_000_000
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<frac>\d+))?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}:?\d{2})?$"
)

UNSET = 0
"""Tick value of an unset .NET DateTime (`0001-01-01T00:00:00Z`)."""


def ticks_from_datetime(value: datetime) -> int:
    """Ticks for an aware (or naive = UTC) datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value.astimezone(UTC) - _EPOCH
    return (delta // timedelta(microseconds=1)) * 10


def datetime_from_ticks(ticks: int) -> datetime:
    """Aware UTC datetime for ticks (sub-microsecond digits are dropped)."""
    return _EPOCH + timedelta(microseconds=ticks // 10)


def format_ticks(ticks: int) -> str:
    """ISO-8601 UTC with `Z`, trailing zeros of the fraction trimmed, as Newtonsoft writes a DateTime."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    # isoformat, not strftime: glibc's %Y writes year 1 as "1", not "0001".
    base = (_EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None).isoformat(timespec="seconds")
    digits = f"{fraction:07d}".rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


def parse_ticks(text: str) -> int:
    """Ticks for an ISO-8601 date or date-time as clients send it (`Z`, `+01:00`, naive = UTC, 0-7+ digits).

    Raises ValueError for anything else.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO-8601 date-time: {text!r}")
    time_part = match["time"] or "00:00:00"
    if len(time_part) == 5:
        time_part += ":00"
    tz = match["tz"] or "+00:00"
    if tz in ("Z", "z"):
        tz = "+00:00"
    elif ":" not in tz:
        tz = f"{tz[:3]}:{tz[3:]}"
    moment = datetime.fromisoformat(f"{match['date']}T{time_part}{tz}")
    fraction = int((match["frac"] or "0")[:7].ljust(7, "0"))
    return ticks_from_datetime(moment) + fraction
