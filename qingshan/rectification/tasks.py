"""The rectification campaign's background job: the Excel import of feedback items, run by the worker."""
from qingshan.core.jobs import job

from . import imports


@job(on_interrupted=lambda job_id: imports.import_interrupted(job_id))
def run_item_import(job_id: int) -> str:
    """Read (bounded) and import one queued .xlsx of feedback items, all rows or none."""
    return imports.import_run(job_id).status
