"""A local BigQuery for tests: local-bigquery 0.4.0 in its own cached Python 3.13 venv, started on a free port.

    with running_emulator(tmp_path) as emulator:
        os.environ.update(emulator.env)   # dlt, dbt-bigquery and google-cloud-bigquery now talk to it

Why its own venv: local-bigquery needs Python >= 3.13 and DuckDB with the icu, spatial, ducklake and avro
extensions; DuckDB 2.0 (which it asks for) has no extension wheels on PyPI and the machines cannot download
extensions, so the venv forces duckdb 1.5.5 with the `duckdb-extension-*` 1.5.5 wheels and installs those
extensions once into the emulator's own HOME. See docs/bigquery.md for what the emulator does not cover.

The venv lives in `$ELT_BIGQUERY_EMULATOR_DIR`, else `$XDG_CACHE_HOME/elt-bigquery-emulator`, else
`~/.cache/elt-bigquery-emulator`, and is reused while its `.installed` marker lists the same requirements.
Python 3.13 is `$ELT_PYTHON313`, else pyenv's newest 3.13+, else `python3.13` (or a 3.13+ python3) on PATH.
uv installs the venv when found (seconds), else pip (about half a minute). An install that fails raises
EmulatorUnavailable.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = "test-project"
OWN_DATASETS = frozenset({"local"})  # the emulator's default dataset, made at start: none of the project's
DUCKDB_VERSION = "1.5.5"
EXTENSIONS = ("icu", "spatial", "ducklake", "avro")
REQUIREMENTS = (
    "local-bigquery==0.4.0",
    f"duckdb=={DUCKDB_VERSION}",
    f"duckdb-extensions=={DUCKDB_VERSION}",
    *(f"duckdb-extension-{name}=={DUCKDB_VERSION}" for name in EXTENSIONS),
)
SERVE_SCRIPT = Path(__file__).with_name("serve.py")
INSTALL_TIMEOUT_S = 900
START_TIMEOUT_S = 90
# An OAuth token that google-auth never refreshes (expiry far away), so nothing calls Google's token endpoint.
OFFLINE_ADC = {
    "type": "authorized_user",
    "client_id": "local-bigquery",
    "client_secret": "local-bigquery",
    "refresh_token": "local-bigquery",
    "token": "local-bigquery-token",
    "expiry": "2999-01-01T00:00:00Z",
}


class EmulatorUnavailable(RuntimeError):
    """The emulator's venv could not be installed on this machine; the message says which step failed."""


@dataclass(frozen=True)
class Emulator:
    """A running emulator: its REST endpoint, project and the environment that points dlt and dbt at it."""

    endpoint: str
    project: str
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None

    def log_tail(self, chars: int = 4000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


def cache_dir() -> Path:
    if explicit := os.environ.get("ELT_BIGQUERY_EMULATOR_DIR"):
        return Path(explicit).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "elt-bigquery-emulator"


def emulator_home() -> Path:
    """The HOME the emulator runs with: DuckDB finds the installed extensions under it."""
    return cache_dir() / "home"


def find_python313() -> str:
    """A Python 3.13+ interpreter to build the venv with (EmulatorUnavailable when there is none)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [os.environ.get("ELT_PYTHON313")]
    candidates += [str(p) for p in sorted(pyenv_root.glob("versions/3.1[345]*/bin/python3"), reverse=True)]
    candidates += [shutil.which(name) for name in ("python3.13", "python3.14", "python3.15", "python3")]
    for candidate in candidates:
        if candidate and Path(candidate).exists() and _is_python313_or_later(candidate):
            return candidate
    raise EmulatorUnavailable(
        "no Python 3.13 found (local-bigquery needs >= 3.13): set ELT_PYTHON313, put python3.13 on PATH, "
        f"or install it with pyenv (looked in {pyenv_root}/versions)"
    )


def _is_python313_or_later(python: str) -> bool:
    """True when `python` runs (a pyenv shim may not) and is 3.13, 3.14 or 3.15."""
    check = "import sys; sys.exit(0 if (3, 13) <= sys.version_info[:2] < (3, 16) else 1)"
    try:
        return subprocess.run([python, "-c", check], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _uv() -> str | None:
    beside_python = Path(sys.executable).with_name("uv")
    return str(beside_python) if beside_python.exists() else shutil.which("uv")


def _step(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, env={**os.environ, **(env or {})}
        )
    except subprocess.TimeoutExpired as exc:
        raise EmulatorUnavailable(f"{what} timed out after {INSTALL_TIMEOUT_S} s: {' '.join(command)}") from exc
    if result.returncode != 0:
        tail = (result.stderr or result.stdout)[-2000:]
        raise EmulatorUnavailable(f"{what} failed ({' '.join(command[:6])} … exited {result.returncode}):\n{tail}")


def install() -> Path:
    """The emulator venv's python, installing the venv and the DuckDB extensions first unless cached."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    venv, marker = root / "venv", root / ".installed"
    python = venv / "bin" / "python"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes never build the same venv at once
        if python.exists() and marker.exists() and marker.read_text() == wanted:
            return python
        marker.unlink(missing_ok=True)
        shutil.rmtree(venv, ignore_errors=True)
        python313, uv = find_python313(), _uv()
        if uv:
            overrides = root / "overrides.txt"
            overrides.write_text(f"duckdb=={DUCKDB_VERSION}\n")  # local-bigquery asks for duckdb>=2
            _step([uv, "venv", "--quiet", "--python", python313, str(venv)], "creating the emulator venv (uv)")
            _step(
                [uv, "pip", "install", "--quiet", "--python", str(python), "--override", str(overrides), *REQUIREMENTS],
                "installing local-bigquery (uv)",
            )
        else:
            _step([python313, "-m", "venv", str(venv)], "creating the emulator venv")
            pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            _step([*pip, REQUIREMENTS[0]], "installing local-bigquery (pip)")
            # pip then warns that local-bigquery wants duckdb>=2 and exits 0: 1.5.5 is what has extension wheels.
            _step([*pip, *REQUIREMENTS[1:]], "installing duckdb 1.5.5 and its extension wheels (pip)")
        script = (
            "import duckdb, duckdb_extensions\n"
            "con = duckdb.connect()\n"
            f"for name in {list(EXTENSIONS)!r}:\n"
            "    duckdb_extensions.import_extension(name, force_install=True, con=con)\n"
        )
        home = emulator_home()
        home.mkdir(parents=True, exist_ok=True)
        _step([str(python), "-c", script], "installing the DuckDB extensions", env={"HOME": str(home)})
        marker.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(endpoint: str, project: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/bigquery/v2/projects/{project}/datasets", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def client_env(endpoint: str, project: str, credentials_path: Path) -> dict[str, str]:
    """What dlt, dbt-bigquery (profiles.example.yml) and google-cloud-bigquery need to use the emulator."""
    return {
        "BIGQUERY_EMULATOR_HOST": endpoint,  # google-cloud-bigquery's endpoint override; the profile reads it too
        "GOOGLE_CLOUD_PROJECT": project,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials_path),  # ADC for dlt and dbt's `method: oauth`
        # The emulator cannot read gzipped load files (real BigQuery can): dlt writes them uncompressed.
        "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION": "true",
    }


@contextlib.contextmanager
def running_emulator(workdir: Path, project: str = PROJECT) -> Iterator[Emulator]:
    """Start the emulator with its data in `workdir`; yield it; stop it on exit."""
    python = install()
    workdir.mkdir(parents=True, exist_ok=True)
    credentials = workdir / "application_default_credentials.json"
    credentials.write_text(json.dumps(OFFLINE_ADC))
    port, grpc_port = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = workdir / "emulator.log"
    command = [
        str(python),
        str(SERVE_SCRIPT),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--grpc-port",
        str(grpc_port),
        "--project",
        project,
        "--data-dir",
        str(workdir / "data"),
    ]
    env = {**os.environ, "HOME": str(emulator_home())}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    emulator = Emulator(endpoint, project, client_env(endpoint, project, credentials), log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(endpoint, project):
            if process.poll() is not None:
                raise RuntimeError(f"the BigQuery emulator exited with {process.returncode}:\n{emulator.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer from the emulator in {START_TIMEOUT_S} s:\n{emulator.log_tail()}")
            time.sleep(0.2)
        yield emulator
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
