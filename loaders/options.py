"""A source's run options: a frozen dataclass whose defaults are the source's settings, read from dlt config.

    @dataclass(frozen=True)
    class WdnOptions(SourceOptions):
        SECTION: ClassVar[str] = "wdn"
        base_url: str = settings.BASE_URL
        ...

`WdnOptions.from_config()` takes each field from `sources.wdn.<field>` (env `SOURCES__WDN__<FIELD>`, or
`[sources.wdn]` in .dlt/config.toml) where it is set, converted to the type of the field's default, and the
default otherwise; then `check()` refuses what the source cannot run with (the fields of `AT_LEAST_ONE` below
1, and whatever the source's own `check` adds).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, ClassVar, Self

import dlt


class SourceOptions:
    """The base of a source's options dataclass (frozen, every field with a default)."""

    SECTION: ClassVar[str]
    """The source's dlt config section under `sources`."""
    AT_LEAST_ONE: ClassVar[tuple[str, ...]] = ()
    """Fields that must be at least 1 (attempts, batch sizes)."""

    @classmethod
    def from_config(cls, **overrides: Any) -> Self:
        """Defaults, then dlt config `sources.<SECTION>.<field>`, then `overrides` (None values ignored).

        Raises ValueError for a value the field's type does not take, or one `check` refuses."""
        defaults = cls()
        values: dict[str, Any] = {}
        for option in fields(defaults):  # type: ignore[arg-type]
            configured = dlt.config.get(f"sources.{cls.SECTION}.{option.name}")
            if configured not in (None, ""):
                values[option.name] = type(getattr(defaults, option.name))(configured)
        values |= {key: value for key, value in overrides.items() if value is not None}
        options = replace(defaults, **values)  # type: ignore[type-var]
        options.check()
        return options

    def check(self) -> None:
        """Raise ValueError naming the settings whose values cannot work."""
        if any(getattr(self, name) < 1 for name in self.AT_LEAST_ONE):
            raise ValueError(f"sources.{self.SECTION}: {' and '.join(self.AT_LEAST_ONE)} must be at least 1")
