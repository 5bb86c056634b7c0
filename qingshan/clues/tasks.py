"""The discipline loop's background job: a letter or the 借阅登记 export, written by the worker as its asker."""
from qingshan.core.jobs import job

from . import jobs


@job(on_interrupted=lambda job_id: jobs.job_interrupted(job_id))
def run_clue_job(job_id: int) -> str:
    """Write one queued file of the loop under JOB_FILES_DIR/clues."""
    return jobs.job_run(job_id).status
