"""The production image without Docker: its build context (the repository after .dockerignore) and its Python
environment (requirements.lock, then the project without dependencies, as the Dockerfile installs them), so
tests can run the image's own command on what the image would hold."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

from tests.support import REPO_ROOT

PROJECT_DIR = REPO_ROOT


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, pattern) for each line of .dockerignore, in order (a later `!pattern` re-includes)."""
    patterns = []
    for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        patterns.append((exception, _regex(line.lstrip("!").strip().strip("/"))))
    return patterns


def _regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching (Go's filepath.Match plus `**`): `*` and `?` stay within one path segment, `**` spans
    any number of them; a pattern that names a folder excludes everything under it."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(f"{out}(?:/.*)?")


def context_files() -> list[str]:
    """The repository files (as git tracks them, plus untracked ones git does not ignore) that `docker build .`
    would send: those .dockerignore does not exclude."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    patterns = _ignore_patterns()
    kept = []
    for path in filter(None, listed):
        if not (PROJECT_DIR / path).is_file():
            continue
        ignored = False
        for exception, pattern in patterns:
            if pattern.fullmatch(path):
                ignored = not exception
        if not ignored:
            kept.append(path)
    return sorted(kept)


@dataclass(frozen=True)
class Image:
    """The image's /app (a copy of the build context) and the Python environment the Dockerfile builds."""

    app: Path
    venv: Path

    @property
    def elt(self) -> str:
        return str(self.venv / "bin" / "elt")

    def environment(self, **extra: str) -> dict[str, str]:
        """The image's ENV: PYTHONPATH=/app, usage tracking off, the target BigQuery (as the Dockerfile sets)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
        env |= {
            "PYTHONPATH": str(self.app),
            "PYTHONDONTWRITEBYTECODE": "1",
            "ELT_TARGET": "bigquery",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "PATH": f"{self.venv / 'bin'}:{env.get('PATH', '')}",
        }
        return env | extra

    def packages(self) -> dict[str, str]:
        """Installed distributions, lower-case name -> version."""
        listed = subprocess.run(
            [str(self.venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pins = [line.split("==") for line in listed.splitlines() if "==" in line]
        return {canonical(name): version for name, version in pins}


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them (`Docstring_Parser` = `docstring-parser`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def build_image(root: Path) -> Image:
    """Copy the build context to `root/app` and install it into `root/venv` as the Dockerfile does."""
    app, env_dir = root / "app", root / "venv"
    for path in context_files():
        target = app / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / path, target)
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:  # the same versions as `pip install -r requirements.lock`, from uv's cache
        subprocess.run([uv, "pip", "install", "--quiet", "--python", python, "-r", str(app / "requirements.lock")],
                       check=True)  # fmt: skip
    else:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", str(app / "requirements.lock")], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(app)], check=True, cwd=root)
    shutil.rmtree(app / "build", ignore_errors=True)
    return Image(app=app, venv=env_dir)
