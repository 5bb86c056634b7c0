"""The supervision lists' background job: an Excel import of items or indicator readings, run by the worker."""
from qingshan.core.jobs import job

from . import imports


@job(on_interrupted=lambda job_id: imports.import_interrupted(job_id))
def run_excel_import(job_id: int) -> str:
    """Read (bounded: core/spreadsheets.py) and import one queued .xlsx, all rows or none."""
    return imports.import_run(job_id).status
