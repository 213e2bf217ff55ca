"""What a loader killed mid-run leaves behind that dlt's own resume gets wrong, put right before the next run.

dlt 1.31 resumes most of a killed run itself: `normalize()` redoes a package it had not committed; `load()`
goes on with a package's new jobs and skips each started job whose outcome it recorded, in a marker under
`.pending_transitions` written after the destination committed the job (dlt-hub/dlt#3767). The parts below
cover what it does not. Each was measured by turning it off and running tests/loaders/linnworks/test_crash.py
and tests/loaders/test_resume_and_idempotency.py (twice each); tests/loaders/test_recovery_contract.py reproduces
each state.

- `finish_interrupted_normalize`. dlt commits a normalized package by renaming it into the load folder, then
  deleting its extracted copy, and never looks for a package left in both: after a kill between the two,
  every later normalize fails with `Directory not empty` on the rename (dlt-hub/dlt#4446 reaches the same
  state another way). Off: the supplier-stock test killed "between dlt's two normalize commit moves" failed
  in both runs. The package in the load folder is complete (one rename made it), so deleting the extracted
  copy finishes the commit.
- `restart_interrupted_loads`. dlt writes a job's marker only after the destination committed and the job's
  connection closed: a kill in between leaves a started job, its rows landed, with no outcome recorded, and
  dlt runs it again. Its rows land twice: order_details (whose merge copies staging rows by `_dlt_id`) 904
  rows for 455 keys, a replace table doubled until the next run. Off: the Linnworks test killed "after the
  first load job" failed in one run of two (0 of 8 when run alone); killed in that gap (at the marker write
  of the order_details job), 2 of 2. A package with started jobs is put back to "nothing done" and loads
  again from the start:
    * its applied schema update is made pending again, so dlt truncates its replace and staging tables
      before the jobs, as on the first attempt. Off: the same failure (1 of 2 runs; 2 of 2 in the gap).
    * the jobs' recorded outcomes are deleted. A marker left for a job that runs again would make dlt skip
      it if a second kill left it started and dlt resumed without this module first (dlt's own CLI, or a
      package with failed jobs, which is not reset): its rows lost from the truncated table. Off: the crash
      tests passed (they kill once and always recover); the contract test's second kill lands no
      orders__lines row.
    * the follow-up jobs dlt wrote itself while loading (merge statements) are deleted. Run again as new
      jobs, one may start before its staging tables are loaded again, and while it is unfinished dlt writes
      no merge for the completed chain (`get_completed_table_chain` waits for every job of the root table).
      Off: the crash tests passed (2 of 2): kept on reading dlt's code, the race is narrow.
  The steps are ordered so that a reset itself cut short is done again by the next run: the started jobs,
  which mark a package for a reset, move last.

Restarting is safe because every resource of every loader here can run again from the start: replace tables are
truncated before their jobs, merge tables load into staging tables truncated before their jobs and the merge
deletes what it is about to insert, and no resource appends (run records and rejected-file records merge on
their keys). Keep it so: a new resource must not use write_disposition "append".

Private dlt parts used: `Pipeline._get_normalize_storage()`, `Pipeline._get_load_storage()` and the package
layout behind `PackageStorage` (job folders, schema update files, pending transitions), everything else through
public dlt APIs. tests/loaders/test_recovery_contract.py names what changed when they differ from what was verified,
and fails on any dlt but VERIFIED_DLT_VERSION.
"""

from __future__ import annotations

import json
import logging
import os

import dlt
from dlt.common.storages.load_package import PackageStorage, ParsedLoadJobFileName

log = logging.getLogger(__name__)

VERIFIED_DLT_VERSION = "1.31.0"
"""The dlt the crash tests were run against with each part of this module turned off."""

FOLLOWUP_FORMATS = ("sql",)
"""Job files dlt writes itself while loading (merge statements), never made by normalize."""


def finish_interrupted_normalize(pipeline: dlt.Pipeline) -> list[str]:
    """Complete a normalize that a kill cut short between its two commit moves; the ids it completed."""
    done = set(pipeline.list_normalized_load_packages()) | set(pipeline.list_completed_load_packages())
    stale = [load_id for load_id in pipeline.list_extracted_load_packages() if load_id in done]
    for load_id in stale:
        pipeline._get_normalize_storage().extracted_packages.delete_package(load_id)
    return stale


def restart_interrupted_loads(pipeline: dlt.Pipeline) -> list[str]:
    """Reset every normalized package that a kill left with started jobs; the ids of those reset."""
    restarted = []
    for load_id in pipeline.list_normalized_load_packages():
        jobs = pipeline.get_load_package_info(load_id).jobs
        if jobs["started_jobs"] and not jobs["failed_jobs"]:
            _reset(pipeline._get_load_storage().normalized_packages, load_id)
            restarted.append(load_id)
    return restarted


def _reset(packages: PackageStorage, load_id: str) -> None:
    """Put the package back to "nothing done". The started jobs, which mark a package for a reset, move last:
    a reset cut short is redone by the next run."""
    new = PackageStorage.NEW_JOBS_FOLDER
    applied = os.path.join(packages.get_package_path(load_id), PackageStorage.APPLIED_SCHEMA_UPDATES_FILE_NAME)
    if packages.storage.has_file(applied):
        packages.save_schema_updates(load_id, json.loads(packages.storage.load(applied)))
        packages.storage.delete(applied)
    for name in packages.list_pending_transitions(load_id):
        packages.clear_pending_transition(load_id, name)
    for state in (new, PackageStorage.COMPLETED_JOBS_FOLDER, PackageStorage.STARTED_JOBS_FOLDER):
        for path in packages.storage.list_folder_files(packages.get_job_state_folder_path(load_id, state)):
            name = os.path.basename(path)
            if ParsedLoadJobFileName.parse(name).file_format in FOLLOWUP_FORMATS:
                packages.storage.delete(path)
            elif state != new:
                packages.storage.atomic_rename(path, packages.get_job_file_path(load_id, new, name))


def recover_interrupted_packages(pipeline: dlt.Pipeline) -> None:
    """Both of the above, saying what was put right (on stderr, through logging)."""
    for load_id in finish_interrupted_normalize(pipeline):
        log.warning("%s: completed the normalize of package %s that a kill cut short", pipeline.pipeline_name, load_id)
    for load_id in restart_interrupted_loads(pipeline):
        log.warning("%s: package %s was cut short while loading: loading it again from the start",
                    pipeline.pipeline_name, load_id)  # fmt: skip
