"""The `elt` application: the command line, the daily run, dbt, exports, the guards, targets, run history and
the web page. The dlt sources it runs live in `loaders`; the API sandboxes (development only) in `sandboxes`."""

import os

# Defaults the caller's environment may override.
for _name, _value in {
    # no usage tracking from dlt or dbt
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}.items():
    os.environ.setdefault(_name, _value)
