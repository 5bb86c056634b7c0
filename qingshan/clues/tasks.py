"""The discipline loop's background jobs: a letter or the 借阅登记 export, written by the worker as its asker, and
a notice to a real-name reporter, sent by the worker under a neutral sender."""
from qingshan.core.jobs import job

from . import jobs, notices


@job(on_interrupted=lambda job_id: jobs.job_interrupted(job_id))
def run_clue_job(job_id: int) -> str:
    """Write one queued file of the loop under JOB_FILES_DIR/clues."""
    return jobs.job_run(job_id).status


@job(on_interrupted=lambda notice_id: notices.notice_interrupted(notice_id))
def send_reporter_notice(notice_id: int) -> str:
    """One attempt at sending a queued notice to a reporter (queued again on failure, within bounds)."""
    return notices.notice_run(notice_id)
