"""The dlt sources, one package per source, behind one contract (contract.py) and one registry (registry.py)."""

import os

# Defaults the caller's environment may override.
for _name, _value in {
    # no usage tracking from dlt or dbt
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    # dlt speaks up only for errors; the CLI prints its own per-file summary
    "RUNTIME__LOG_LEVEL": "ERROR",
    # arrow batches carry the load id too (lineage for every raw row)
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
}.items():
    os.environ.setdefault(_name, _value)
