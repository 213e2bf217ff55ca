"""What a loader killed mid-run leaves behind, put right before the next run of its pipeline.

Two states dlt itself does not recover from:

- Normalize cut short between its two commit moves (the package moved to the load folder, its extracted copy
  not yet deleted): every later normalize fails with `Directory not empty`. `finish_interrupted_normalize`
  completes the commit.
- A load cut short: dlt resumes the package by running its started jobs again, and a job whose rows the
  destination had already committed when the process died (dlt records a job's outcome only after its insert
  commits, and a kill can fall in between) lands those rows a second time: every `order_details` row twice (the
  merge copies staging rows by `_dlt_id`), a replace table doubled until the next run. `restart_interrupted_loads`
  puts such a package back to "nothing done", so that it loads again from the start.

Restarting is safe because every resource of every loader here can run again from the start: replace tables are
truncated before their jobs, merge tables load into staging tables truncated before their jobs and the merge
deletes what it is about to insert, and no resource appends (run records and rejected-file records merge on
their keys). Keep it so: a new resource must not use write_disposition "append".
"""

from __future__ import annotations

import logging
import os

import dlt
from dlt.common.storages.load_package import PackageStorage, ParsedLoadJobFileName

log = logging.getLogger(__name__)


FOLLOWUP_FORMATS = ("sql",)
"""Job files dlt writes itself while loading (merge statements), never made by normalize."""


def restart_interrupted_loads(pipeline: dlt.Pipeline) -> list[str]:
    """Reset every normalized package that a kill left with started jobs; the ids of those reset."""
    packages = pipeline._get_load_storage().normalized_packages
    restarted = []
    for load_id in pipeline.list_normalized_load_packages():
        if packages.list_started_jobs(load_id) and not packages.list_failed_jobs(load_id):
            _reset(packages, load_id)
            restarted.append(load_id)
    return restarted


def _reset(packages: PackageStorage, load_id: str) -> None:
    for name in packages.list_pending_transitions(load_id):
        packages.clear_pending_transition(load_id, name)
    for folder in (PackageStorage.STARTED_JOBS_FOLDER, PackageStorage.COMPLETED_JOBS_FOLDER):
        for path in packages.storage.list_folder_files(packages.get_job_state_folder_path(load_id, folder)):
            name = os.path.basename(path)
            if ParsedLoadJobFileName.parse(name).file_format in FOLLOWUP_FORMATS:
                packages.storage.delete(path)
            else:
                packages._move_job(load_id, folder, PackageStorage.NEW_JOBS_FOLDER, name)
    for path in packages.list_new_jobs(load_id):
        if ParsedLoadJobFileName.parse(os.path.basename(path)).file_format in FOLLOWUP_FORMATS:
            packages.storage.delete(path)
    applied = os.path.join(load_id, PackageStorage.APPLIED_SCHEMA_UPDATES_FILE_NAME)
    if packages.storage.has_file(applied):
        # what the destination applied is what it must apply again (a no-op for its schema, but dlt then
        # truncates the package's tables before the jobs run, as on the first attempt)
        update = packages.storage.load(applied)
        packages.storage.save(os.path.join(load_id, PackageStorage.SCHEMA_UPDATES_FILE_NAME), update)
        packages.storage.delete(applied)


def finish_interrupted_normalize(pipeline: dlt.Pipeline) -> list[str]:
    """Complete a normalize step that a kill cut short between its two commit moves; the ids it completed.

    dlt's normalize commits a package by moving it to the load folder, then deleting the extracted copy. A
    process killed between the two leaves the package in both places, and every later normalize fails with
    `Directory not empty` on the move. The package in the load folder is the complete one (the move is
    atomic): deleting the extracted copy finishes the commit, and the package then loads as usual.
    """
    done = set(pipeline.list_normalized_load_packages()) | set(pipeline.list_completed_load_packages())
    stale = [load_id for load_id in pipeline.list_extracted_load_packages() if load_id in done]
    for load_id in stale:
        pipeline._get_normalize_storage().extracted_packages.delete_package(load_id)
    return stale


def recover_interrupted_packages(pipeline: dlt.Pipeline) -> None:
    """Both of the above, saying what was put right (on stderr, through logging)."""
    for load_id in finish_interrupted_normalize(pipeline):
        log.warning("%s: completed the normalize of package %s that a kill cut short", pipeline.pipeline_name, load_id)
    for load_id in restart_interrupted_loads(pipeline):
        log.warning("%s: package %s was cut short while loading: loading it again from the start",
                    pipeline.pipeline_name, load_id)  # fmt: skip
