"""The data-check models' background job: a model run started from a page or the API, run by the worker."""
from qingshan.core.jobs import job

from . import services


@job(on_interrupted=lambda run_id: services.run_interrupted(run_id))
def execute_run(run_id: int) -> str:
    """Run one queued model run (its DuckDB queries under the run's time and memory limits)."""
    return services.run_execute(run_id).status


@job(on_interrupted=lambda job_id: _evidence().export_interrupted(job_id))
def run_evidence_export(job_id: int) -> str:
    """Write one queued evidence package (证据包) of a confirmed hit under JOB_FILES_DIR."""
    return _evidence().export_run(job_id).status


def _evidence():
    from . import evidence

    return evidence
