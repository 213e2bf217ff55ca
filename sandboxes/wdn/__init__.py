"""The What Drops Now sandbox: `running_wdn_sandbox()` (server.py) over a seeded dataset (data.py)."""

from sandboxes.wdn.server import WdnSandbox, running_wdn_sandbox

__all__ = ["WdnSandbox", "running_wdn_sandbox"]
