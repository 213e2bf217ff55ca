"""`python -m sandboxes.linnworks`: run the sandbox command without the `elt` entry point."""

from .cli import sandbox

if __name__ == "__main__":
    sandbox()
