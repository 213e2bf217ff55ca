"""Restarting a load that a kill cut short from the top of its package, instead of resuming it.

dlt resumes an interrupted load package by running its started jobs again. A job whose rows the destination
had already committed when the process died (dlt records a job's outcome only after its insert commits, and
a kill can fall in between) then lands those rows a second time. Loading Linnworks this double-loads the
root table of a merge (every `order_details` row twice, the merge copying staging rows by `_dlt_id`), and
a replace table holds its rows twice until the next run replaces it.

Every job of a Linnworks package can safely run again from the start: replace tables are truncated before
their jobs, merge tables load into staging tables truncated before their jobs, and the merge deletes what
it is about to insert. So an interrupted package is put back to "nothing done": its jobs back to new, its
followup (merge SQL) jobs dropped (dlt makes them again when the table's jobs complete), and its schema
update pending again, so that dlt truncates the package's tables once more before loading it.
"""

from __future__ import annotations

import os

import dlt
from dlt.common.storages.load_package import PackageStorage, ParsedLoadJobFileName

FOLLOWUP_FORMATS = ("sql",)
"""Job files dlt writes itself while loading (merge statements), never made by normalize."""


def restart_interrupted_loads(pipeline: dlt.Pipeline) -> list[str]:
    """Reset every normalized package that a kill left with started jobs; the ids of those reset."""
    packages = pipeline._get_load_storage().normalized_packages
    restarted = []
    for load_id in packages.list_packages():
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
