"""Run Airbyte's `source-linnworks` connector against a Linnworks sandbox instead of api.linnworks.net.

Why a wrapper: the connector (airbyte-source-linnworks 0.1.66) has no setting for the auth host. It
passes the literal `https://api.linnworks.net/api/Auth/AuthorizeByApplication` as the
`token_refresh_endpoint` keyword when `SourceLinnworks._auth` builds its `LinnworksAuthenticator`, and
takes every later URL from the `Server` the auth call returns. So this script, run by the connector
venv's own python, wraps `LinnworksAuthenticator.__init__` to swap that one argument for
`$LINNWORKS_AUTH_URL` and then calls the connector's console entry point with our argv. Nothing else is
changed: the data calls go to the sandbox because the sandbox's session says `Server` is the sandbox.

Usage (inside the connector's venv):
    LINNWORKS_AUTH_URL=http://127.0.0.1:PORT/api/Auth/AuthorizeByApplication \
        python run_source_linnworks.py read --config config.json --catalog catalog.json
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> None:
    auth_url = os.environ.get("LINNWORKS_AUTH_URL")
    if not auth_url:
        sys.exit("LINNWORKS_AUTH_URL is not set: give the sandbox's /api/Auth/AuthorizeByApplication URL")

    from source_linnworks import source
    from source_linnworks.run import run

    authenticator = source.LinnworksAuthenticator
    original_init = authenticator.__init__

    def init_with_sandbox_auth_url(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            raise RuntimeError(
                "source_linnworks.LinnworksAuthenticator was called with positional arguments; this "
                "wrapper only knows how to replace the token_refresh_endpoint keyword (connector 0.1.66)."
            )
        kwargs["token_refresh_endpoint"] = auth_url
        original_init(self, **kwargs)

    authenticator.__init__ = init_with_sandbox_auth_url  # type: ignore[method-assign]
    run()


if __name__ == "__main__":
    main()
