"""What an xlsx cell holds, as a Python value and as the text we land: numbers, dates by number format, strings.

The values are the ones python-calamine gives (floats, dates, times, durations, booleans, strings), so the rows
landed are the same as when calamine read the feeds; `cell_text` turns any of them into the landed text.
"""

from __future__ import annotations

import datetime as dt
import re

DATETIME = "datetime"  # a number format that shows a date and/or a time of day
DURATION = "duration"  # a number format that shows elapsed time ([h]:mm:ss)

# Built-in number formats (ECMA-376 part 1, 18.8.30) that show dates or times; 46 is [h]:mm:ss.
_BUILTIN_KINDS = {str(i): DATETIME for i in (*range(14, 23), 45, 47)} | {"46": DURATION}

_EPOCH = dt.datetime(1899, 12, 30)
_MS_PER_DAY = 86_400_000
_DAYS_1900_TO_1904 = 1462

# A number as the cell XML writes it (what Rust's float parser accepts; Python's float() takes more).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ISO_DATETIME = re.compile(r"\s*[+-]?(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
_ISO_DATE = re.compile(r"\s*[+-]?(\d{4})-(\d{1,2})-(\d{1,2})")
_ISO_TIME = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")


def number_format_kind(format_code: str) -> str | None:
    """DATETIME or DURATION when a number format (its first section) shows a date, time or elapsed time.

    Date and time letters (d m y h s) count outside quotes and brackets, as do the A/P of an AM/PM marker;
    `[h]`, `[mm]`, `[ss]` mean elapsed time. `\\`, `_` and `*` make the next character a literal.
    """
    escaped = quoted = after_a = False
    in_brackets = 0
    bracket = ""
    for char in format_code:
        if escaped:
            escaped = False
        elif char in "\\_*":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return None
        elif char == "[":
            in_brackets += 1
            bracket = ""
        elif char == "]":
            if in_brackets == 1 and bracket and bracket[0] in "hms" and bracket == bracket[0] * len(bracket):
                return DURATION
            in_brackets = max(in_brackets - 1, 0)
        elif in_brackets:
            bracket += char.lower()
        elif char in "aA" and not after_a:
            after_a = True
        elif (after_a and char in "pPmM/") or (not after_a and char in "dmyhsDMYHS"):
            return DATETIME
    return None


def format_kind(number_format_id: str, custom_formats: dict[str, str]) -> str | None:
    """The kind of a cell style's number format: a custom format of the workbook, else a built-in one."""
    if number_format_id in custom_formats:
        return number_format_kind(custom_formats[number_format_id])
    return _BUILTIN_KINDS.get(number_format_id)


def _round(value: float) -> int:
    """Round half away from zero (as Rust does; Python's round() rounds half to even)."""
    return int(value + 0.5) if value >= 0 else -int(0.5 - value)


def excel_date(serial: float, kind: str, date1904: bool) -> object:
    """A date-formatted number as calamine gives it: a time below 1, a date when whole, else a datetime;
    a duration for elapsed-time formats; the number itself when Python cannot hold the date."""
    try:
        if kind == DURATION:
            return dt.timedelta(milliseconds=_round(serial * _MS_PER_DAY))
        days = serial + _DAYS_1900_TO_1904 if date1904 else serial
        if days < 60:  # Excel counts a 29 February 1900 that never was
            days += 1
        ms = _round(days * _MS_PER_DAY)
        if serial < 1.0:
            return (dt.datetime.min + dt.timedelta(milliseconds=ms % _MS_PER_DAY)).time()
        moment = _EPOCH + dt.timedelta(milliseconds=ms)
        return moment.date() if serial == int(serial) else moment
    except (OverflowError, ValueError):
        return serial


def parse_number(text: str) -> float | int | None:
    """The number a `<v>` holds, or None when it is not one. Whole numbers of up to 15 digits come back as int
    (the same text as the float would give, faster)."""
    if len(text) < 16 and text.isdigit() and text.isascii():
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


def _fraction_us(digits: str | None) -> int:
    return int((digits or "0")[:6].ljust(6, "0"))


def parse_iso(text: str) -> object:
    """A `t="d"` cell (ISO 8601 text): datetime, date or time when it is one, else the text as it is."""
    try:
        if match := _ISO_DATETIME.fullmatch(text):
            year, month, day, hour, minute, second, fraction = match.groups()
            return dt.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), _fraction_us(fraction)
            )
        if match := _ISO_DATE.fullmatch(text):
            return dt.date(*(int(part) for part in match.groups()))
        if match := _ISO_TIME.fullmatch(text):
            hour, minute, second, fraction = match.groups()
            return dt.time(int(hour), int(minute), int(second or 0), _fraction_us(fraction))
    except ValueError:
        pass
    return text


def _unescape_one(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def unescape(text: str) -> str:
    """Decode the `_xHHHH_` escapes xlsx writers use for characters XML cannot hold (`_x000D_` is a CR)."""
    return _ESCAPE.sub(_unescape_one, text) if "_x" in text else text


def cell_text(value: object) -> str | None:
    """A cell as the text it holds: numbers without a spurious `.0`, dates in ISO form, blanks as None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def cell_at(cells: list[object], column: int | None) -> str | None:
    """Text of the 1-based `column` of a row, None where the row is shorter or the cell blank."""
    if column is None or column > len(cells):
        return None
    return cell_text(cells[column - 1])
