"""The background job of 一键分析 and the 体检报告: one Word report, built by the worker as the person who asked."""
from qingshan.core.jobs import job

from . import reports


@job(on_interrupted=lambda job_id: reports.report_interrupted(job_id))
def build_report(job_id: int) -> str:
    """Build one queued Word report and keep it on its row."""
    return reports.report_run(job_id).status
