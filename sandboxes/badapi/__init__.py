"""The bad-API sandbox: `running_badapi_sandbox()` (server.py) over a seeded dataset (data.py)."""

from sandboxes.badapi.server import BadApiSandbox, running_badapi_sandbox

__all__ = ["BadApiSandbox", "running_badapi_sandbox"]
