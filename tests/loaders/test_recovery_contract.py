"""loaders/recovery.py against the installed dlt, in seconds: the dlt version it was verified against, every
private dlt name and package-layout name it touches, and, on a small DuckDB pipeline, the interrupted states it
puts right (simulated in-process: `Killed` stands for SIGKILL) with each row then landing exactly once.

A test here failing after a dlt upgrade names what changed. Either way, re-run the crash tests against the new
dlt with each part of loaders/recovery.py turned off, as its docstring describes, before touching the pin.
"""

from __future__ import annotations

import inspect
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.common.storages import FileStorage, LoadStorage, NormalizeStorage
from dlt.common.storages.load_package import LoadPackageInfo, PackageStorage, ParsedLoadJobFileName
from dlt.load.load import Load

from loaders import recovery

RERUN = (
    "re-run tests/loaders/linnworks/test_crash.py and tests/loaders/test_resume_and_idempotency.py against the new "
    "dlt (each part of loaders/recovery.py turned off in turn, as its docstring says), adapt loaders/recovery.py, "
    "then update VERIFIED_DLT_VERSION"
)


def test_the_installed_dlt_is_the_one_recovery_was_verified_against() -> None:
    assert dlt.__version__ == recovery.VERIFIED_DLT_VERSION, (
        f"dlt {dlt.__version__} is installed, loaders/recovery.py was verified against dlt "
        f"{recovery.VERIFIED_DLT_VERSION}: {RERUN}"
    )


SIGNATURES: list[tuple[type, str, str]] = [
    (dlt.Pipeline, "_get_normalize_storage", "(self)"),
    (dlt.Pipeline, "_get_load_storage", "(self)"),
    (dlt.Pipeline, "list_extracted_load_packages", "(self)"),
    (dlt.Pipeline, "list_normalized_load_packages", "(self)"),
    (dlt.Pipeline, "list_completed_load_packages", "(self)"),
    (dlt.Pipeline, "get_load_package_info", "(self, load_id)"),
    (PackageStorage, "delete_package", "(self, load_id, not_exists_ok=False)"),
    (PackageStorage, "get_package_path", "(self, load_id)"),
    (PackageStorage, "get_job_state_folder_path", "(self, load_id, state)"),
    (PackageStorage, "get_job_file_path", "(self, load_id, state, file_name)"),
    (PackageStorage, "save_schema_updates", "(self, load_id, schema_update)"),
    (PackageStorage, "list_pending_transitions", "(self, load_id)"),
    (PackageStorage, "clear_pending_transition", "(self, load_id, file_name)"),
    (FileStorage, "has_file", "(self, relative_path)"),
    (FileStorage, "load", "(self, relative_path)"),
    (FileStorage, "delete", "(self, relative_path)"),
    (FileStorage, "list_folder_files", "(self, relative_path, to_root=True)"),
    (FileStorage, "atomic_rename", "(self, from_relative_path, to_relative_path)"),
    (ParsedLoadJobFileName, "parse", "(file_name)"),
    # not used by loaders/recovery.py: the places where the tests below simulate a kill
    (LoadStorage, "commit_new_load_package", "(self, load_id)"),
    (PackageStorage, "save_pending_transition", "(self, load_id, file_name, state, failed_message=None)"),
    (PackageStorage, "start_job", "(self, load_id, file_name)"),
    (Load, "complete_jobs", "(self, load_id, jobs, schema)"),
    (Load, "create_followup_jobs", "(self, load_id, state, starting_job, schema)"),
]


def _bare(signature: inspect.Signature) -> str:
    """The signature's parameter names, kinds and defaults, without annotations."""
    parameters = [parameter.replace(annotation=inspect.Parameter.empty) for parameter in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize(
    ("owner", "name", "expected"), SIGNATURES, ids=[f"{owner.__name__}.{name}" for owner, name, _ in SIGNATURES]
)
def test_every_dlt_method_recovery_calls_has_the_signature_it_was_verified_with(
    owner: type, name: str, expected: str
) -> None:
    member = getattr(owner, name, None)
    assert member is not None, f"dlt {dlt.__version__} has no {owner.__name__}.{name}: {RERUN}"
    actual = _bare(inspect.signature(member))
    assert actual == expected, f"dlt {dlt.__version__} changed {owner.__name__}.{name}{expected} to {actual}: {RERUN}"


LAYOUT = {
    "NEW_JOBS_FOLDER": "new_jobs",
    "STARTED_JOBS_FOLDER": "started_jobs",
    "COMPLETED_JOBS_FOLDER": "completed_jobs",
    "FAILED_JOBS_FOLDER": "failed_jobs",
    "PENDING_TRANSITIONS_FOLDER": ".pending_transitions",
    "SCHEMA_UPDATES_FILE_NAME": "schema_updates.json",
    "APPLIED_SCHEMA_UPDATES_FILE_NAME": "applied_schema_updates.json",
}


def test_the_package_layout_recovery_edits_is_the_one_it_was_verified_with() -> None:
    actual = {name: getattr(PackageStorage, name, None) for name in LAYOUT}
    changed = {name: f"{LAYOUT[name]!r} -> {value!r}" for name, value in actual.items() if value != LAYOUT[name]}
    assert not changed, f"dlt {dlt.__version__} changed the load package layout: {changed}: {RERUN}"
    jobs = LoadPackageInfo._fields
    assert "jobs" in jobs, f"dlt {dlt.__version__}: LoadPackageInfo has no `jobs` any more ({jobs}): {RERUN}"
    assert "sql" in recovery.FOLLOWUP_FORMATS and ParsedLoadJobFileName.parse("t.abc.0.sql").file_format == "sql"


# A small pipeline: a replace table and a merge table with a nested table, one package, parquet files as the
# loaders write them.

EXPECTED = {"stock": (10, 10), "orders": (5, 5), "orders__lines": (15, 15)}
"""(rows, distinct keys) of each table once the package has landed exactly once."""
KEYS = {"stock": "sku", "orders": "order_id", "orders__lines": "(_dlt_parent_id, _dlt_list_idx)"}


@dlt.resource(write_disposition="replace")
def stock() -> Any:
    yield [{"sku": f"S{i}", "qty": i} for i in range(10)]


@dlt.resource(write_disposition="merge", primary_key="order_id")
def orders() -> Any:
    yield [{"order_id": i, "lines": [{"sku": f"S{j}"} for j in range(3)]} for i in range(5)]


@dlt.source
def shop() -> Any:
    return stock, orders


def _pipeline(root: Path) -> dlt.Pipeline:
    """The pipeline in `root`, as a new process would open it."""
    return dlt.pipeline(
        pipeline_name="recovery_contract",
        pipelines_dir=str(root / "pipelines"),
        destination=dlt.destinations.duckdb(str(root / "warehouse.duckdb")),
        dataset_name="raw",
    )


def _extracted(root: Path) -> dlt.Pipeline:
    pipeline = _pipeline(root)
    pipeline.extract(shop(), loader_file_format="parquet")
    return pipeline


def _landed(root: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        return {
            table: con.execute(f"select count(*), count(distinct {key}) from raw.{table}").fetchone()  # type: ignore[misc]
            for table, key in KEYS.items()
        }


def _copy(root: Path, to: Path) -> Path:
    """The pipeline folder and warehouse copied, to try dlt alone on the same interrupted state."""
    shutil.copytree(root, to)
    return to


def _jobs(pipeline: dlt.Pipeline, load_id: str) -> dict[str, list[str]]:
    info = pipeline.get_load_package_info(load_id)
    return {state: sorted(job.job_file_info.table_name for job in jobs) for state, jobs in info.jobs.items() if jobs}


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so none of dlt's handlers catches it."""


def _kill_after(original: Callable[..., Any], when: Callable[..., bool] = lambda *_: True) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            raise Killed()
        return result

    return wrapper


def test_a_normalize_killed_between_its_two_commit_moves_is_completed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "a"
    pipeline = _extracted(root)
    with monkeypatch.context() as patch:
        patch.setattr(LoadStorage, "commit_new_load_package", _kill_after(LoadStorage.commit_new_load_package))
        with pytest.raises(Killed):
            pipeline.normalize()
    (load_id,) = pipeline.list_extracted_load_packages()
    assert pipeline.list_normalized_load_packages() == [load_id], "the kill left the package in both folders"

    alone = _pipeline(_copy(root, tmp_path / "dlt_alone"))
    try:
        alone.normalize()
    except Exception as error:
        assert "Directory not empty" in str(error), f"dlt {dlt.__version__} fails otherwise: {error}: {RERUN}"
    else:
        pytest.fail(
            f"dlt {dlt.__version__} completes a normalize cut short between its commit moves itself: "
            f"finish_interrupted_normalize may go: {RERUN}"
        )

    pipeline = _pipeline(root)
    assert recovery.finish_interrupted_normalize(pipeline) == [load_id]
    assert pipeline.list_extracted_load_packages() == []
    assert recovery.restart_interrupted_loads(pipeline) == [], "nothing was loading"
    pipeline.normalize()
    pipeline.load().raise_on_failed_jobs()
    assert _landed(root) == EXPECTED


GAP = ("stock", "orders")
"""Tables whose job the destination committed before the kill and whose outcome dlt had not yet recorded."""


def _kill_in_the_commit_gap(pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch) -> str:
    """Load, killed once the destination committed every job, before dlt moved any: the markers of the GAP
    tables' jobs not yet written (dlt writes them after the commit), the others' written. The load id."""
    save = PackageStorage.save_pending_transition
    complete = Load.complete_jobs

    def save_pending_transition(self: PackageStorage, load_id: str, file_name: str, *args: Any) -> None:
        if ParsedLoadJobFileName.parse(file_name).table_name not in GAP:
            save(self, load_id, file_name, *args)

    def complete_jobs(self: Load, load_id: str, jobs: Any, schema: Any) -> Any:
        if jobs:
            deadline = time.monotonic() + 60
            while any(job.state() in ("ready", "running") for job in jobs) and time.monotonic() < deadline:
                time.sleep(0.01)
            raise Killed()
        return complete(self, load_id, jobs, schema)

    pipeline.normalize()
    with monkeypatch.context() as patch:
        patch.setattr(PackageStorage, "save_pending_transition", save_pending_transition)
        patch.setattr(Load, "complete_jobs", complete_jobs)
        with pytest.raises(Killed):
            pipeline.load()
    (load_id,) = pipeline.list_normalized_load_packages()
    return load_id


def test_a_load_killed_after_the_destination_committed_jobs_dlt_had_not_recorded_lands_each_row_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "a"
    load_id = _kill_in_the_commit_gap(_extracted(root), monkeypatch)
    pipeline = _pipeline(root)
    started = _jobs(pipeline, load_id)["started_jobs"]
    assert started == ["_dlt_pipeline_state", "orders", "orders__lines", "stock"], started
    assert pipeline.get_load_package_info(load_id).has_pending_transitions

    alone = _pipeline(_copy(root, tmp_path / "dlt_alone"))
    alone.load().raise_on_failed_jobs()
    twice = {"stock": (20, 10), "orders": (10, 5), "orders__lines": (15, 15)}
    assert _landed(tmp_path / "dlt_alone") == twice, (
        f"dlt {dlt.__version__}'s own resume no longer lands twice the rows of jobs committed before the kill "
        f"but not recorded: restart_interrupted_loads may be unneeded: {RERUN}"
    )
    assert pipeline.get_load_package_info(load_id).schema_update, "the kill came after the schema update applied"

    assert recovery.finish_interrupted_normalize(pipeline) == []
    assert recovery.restart_interrupted_loads(pipeline) == [load_id]
    info = pipeline.get_load_package_info(load_id)
    assert _jobs(pipeline, load_id) == {"new_jobs": started}, "every job back to new"
    assert not info.has_pending_transitions, "no outcome recorded"
    assert info.schema_update == {}, "the applied schema update is pending again"
    assert recovery.restart_interrupted_loads(pipeline) == [], "a reset package is not reset again"
    pipeline.load().raise_on_failed_jobs()
    assert _landed(root) == EXPECTED


def test_a_reset_package_cut_short_again_right_after_a_job_started_is_loaded_in_full_by_dlt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outcome markers go with the reset: a marker left for orders__lines (written before the first kill)
    would make dlt's resume skip that job after the second kill, its rows lost."""
    root = tmp_path / "a"
    load_id = _kill_in_the_commit_gap(_extracted(root), monkeypatch)
    pipeline = _pipeline(root)
    recovery.restart_interrupted_loads(pipeline)

    def is_lines(self: PackageStorage, load_id: str, file_name: str) -> bool:
        return ParsedLoadJobFileName.parse(file_name).table_name == "orders__lines"

    with monkeypatch.context() as patch:
        patch.setattr(PackageStorage, "start_job", _kill_after(PackageStorage.start_job, is_lines))
        with pytest.raises(Killed):
            pipeline.load()
    pipeline = _pipeline(root)
    assert "orders__lines" in _jobs(pipeline, load_id)["started_jobs"]

    pipeline.load().raise_on_failed_jobs()  # dlt's own resume, no recovery in between
    assert _landed(root) == EXPECTED


def test_a_load_killed_after_dlt_wrote_a_merge_job_is_reset_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "a"
    pipeline = _extracted(root)
    pipeline.normalize()
    (load_id,) = pipeline.list_normalized_load_packages()

    create = Load.create_followup_jobs

    def create_followup_jobs(self: Load, *args: Any) -> Any:
        created = create(self, *args)
        if created[0] or created[1]:
            raise Killed()
        return created

    with monkeypatch.context() as patch:
        patch.setattr(Load, "create_followup_jobs", create_followup_jobs)
        with pytest.raises(Killed):
            pipeline.load()
    pipeline = _pipeline(root)
    formats = {job.job_file_info.file_format for job in pipeline.get_load_package_info(load_id).jobs["new_jobs"]}
    assert "sql" in formats, "the kill left dlt's merge job"

    assert recovery.restart_interrupted_loads(pipeline) == [load_id]
    formats = {job.job_file_info.file_format for job in pipeline.get_load_package_info(load_id).jobs["new_jobs"]}
    assert "sql" not in formats
    pipeline.load().raise_on_failed_jobs()
    assert _landed(root) == EXPECTED


def test_the_storages_recovery_reaches_through_are_dlt_s_package_storages(tmp_path: Path) -> None:
    pipeline = _extracted(tmp_path)
    normalize, load = pipeline._get_normalize_storage(), pipeline._get_load_storage()
    assert isinstance(normalize, NormalizeStorage) and isinstance(normalize.extracted_packages, PackageStorage)
    assert isinstance(load, LoadStorage) and isinstance(load.normalized_packages, PackageStorage)
    assert isinstance(load.normalized_packages.storage, FileStorage)
    (load_id,) = pipeline.list_extracted_load_packages()
    assert normalize.extracted_packages.list_new_jobs(load_id), "the extracted package is where recovery looks"
    states = set(pipeline.get_load_package_info(load_id).jobs)
    assert states >= {"new_jobs", "started_jobs", "completed_jobs", "failed_jobs"}, (
        f"dlt {dlt.__version__}: LoadPackageInfo.jobs has the states {states}: {RERUN}"
    )
