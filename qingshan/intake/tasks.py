"""Machine intake's background job: a hotline export imported by the worker."""
from qingshan.core.jobs import job

from . import hotline


@job(on_interrupted=lambda job_id: hotline.hotline_interrupted(job_id))
def run_hotline_import(job_id: int) -> str:
    """Read, check and import one queued hotline export, all new tickets or none."""
    return hotline.hotline_run(job_id).status
