"""What the three workbook sources share in their declarations: where `elt run` finds their files (dlt config
`sources.supplier_stock.<name>`, env `SOURCES__SUPPLIER_STOCK__<NAME>`)."""

from __future__ import annotations

from loaders.contract import missing_settings

CONFIG_SECTION = "sources.supplier_stock"


def setting(name: str) -> str | None:
    """`sources.supplier_stock.<name>` from dlt config (env or .dlt/config.toml); None when unset or empty."""
    import dlt

    value = dlt.config.get(f"{CONFIG_SECTION}.{name}", str)
    return value or None


def missing(name: str) -> list[str]:
    return missing_settings("supplier_stock", [name])
