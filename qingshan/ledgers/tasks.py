"""The ledgers' background job: an Excel export, written by the worker as the person who asked for it."""
from qingshan.core.jobs import job

from . import exports


@job(on_interrupted=lambda job_id: exports.export_interrupted(job_id))
def run_ledger_export(job_id: int) -> str:
    """Write one queued ledger export to its .xlsx under JOB_FILES_DIR."""
    return exports.export_run(job_id).status
