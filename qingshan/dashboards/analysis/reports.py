"""Word reports through the job queue: the request stores what was asked and queues the job in one transaction; the
worker builds the analysis or the 体检报告 as the person who asked (their visibility, not the worker's) and keeps the
file on the job's row; only that person may download it. Requests and results are audited."""
import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from qingshan.access.problems import may_see_internal
from qingshan.access.units import access_health_unit
from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, PermissionRefused
from qingshan.core.jobs import INTERRUPTED
from qingshan.core.overview import Scope
from qingshan.orgs.models import Organisation, User

from ..selectors import overview_districts
from .engine import analyse
from .health import unit_health
from .models import ReportJob, ReportStatus
from .word import analysis_docx, health_docx

log = logging.getLogger(__name__)
FAILED_MESSAGE = "报告生成失败，请稍后重新提交；如仍失败，请联系系统管理员。"


def _params(received_from: dt.date, received_to: dt.date, as_of: dt.date, region_id: int | None) -> dict:
    return {"received_from": received_from.isoformat(), "received_to": received_to.isoformat(),
            "as_of": as_of.isoformat(), "region": region_id}


def report_request(*, actor: User, kind: str, received_from: dt.date, received_to: dt.date, as_of: dt.date,
                   region_id: int | None = None, unit: Organisation | None = None) -> ReportJob:
    """Queue a Word report of 一键分析 (kind ANALYSIS) or of `unit`'s 体检报告 (HEALTH) for validated filters."""
    from .tasks import build_report

    if not may_see_internal(actor):
        raise PermissionRefused("统计分析仅向纪检监察机构工作人员和委领导开放，您的账号无权生成报告。")
    if kind == ReportJob.HEALTH:
        if unit is None:
            raise ValueError("a 体检报告 needs its unit")
        access_health_unit(actor, unit.pk)  # NotFound for a unit outside the actor's reach
    with transaction.atomic():
        job = ReportJob.objects.create(kind=kind, unit=unit if kind == ReportJob.HEALTH else None,
                                       params=_params(received_from, received_to, as_of, region_id),
                                       requested_by=actor)
        record_event(object_type="dashboards.report_job", object_id=job.pk, actor=actor, action="request",
                     payload={"kind": kind, "unit": unit.pk if unit else None, **job.params})
        build_report.enqueue(job.pk)  # the queue row commits with the job, or neither does
    return job


def report_job(*, user: User, pk: int | str) -> ReportJob:
    """A report job of `user`'s own, else NotFound (another person's job is as absent as a missing one)."""
    try:
        return ReportJob.objects.defer("content").get(pk=pk, requested_by_id=user.pk)
    except (ReportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def report_file(*, user: User, pk: int | str) -> ReportJob:
    """A finished report of `user`'s own with its file, else NotFound."""
    try:
        return ReportJob.objects.get(pk=pk, requested_by_id=user.pk, status=ReportStatus.DONE)
    except (ReportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc


def _scope(job: ReportJob) -> Scope:
    params = job.params
    return Scope(user=job.requested_by, received_from=dt.date.fromisoformat(params["received_from"]),
                 received_to=dt.date.fromisoformat(params["received_to"]),
                 as_of=dt.date.fromisoformat(params["as_of"]), region_id=params.get("region"))


def _build(job: ReportJob) -> tuple[bytes, str]:
    scope = _scope(job)
    if job.kind == ReportJob.ANALYSIS:
        region = scope.region_id
        name = next((d.name for d in overview_districts(job.requested_by) if d.pk == region), "全部可见范围")
        return analysis_docx(analyse(scope), scope_name=name), f"一键分析报告_截至{scope.as_of.isoformat()}.docx"
    unit = access_health_unit(job.requested_by, job.unit_id)  # still within the requester's reach
    return health_docx(unit_health(scope=scope, unit=unit)), f"{unit.name}体检报告_截至{scope.as_of.isoformat()}.docx"


def report_run(job_id: int) -> ReportJob:
    """The worker's step: build the report as its requester and keep the file; a failure is recorded, not raised."""
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ReportStatus.QUEUED:
        return job
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING)
    try:
        content, filename = _build(job)
    except Exception:  # noqa: BLE001 -- whatever broke, the person sees a failed job, not an endless wait
        log.exception("report job %s failed", job.pk)
        _finish(job, status=ReportStatus.FAILED, error=FAILED_MESSAGE)
        return job
    _finish(job, status=ReportStatus.DONE, content=content, filename=filename)
    return job


def _finish(job: ReportJob, *, status: str, content: bytes = b"", filename: str = "", error: str = "") -> None:
    with transaction.atomic():
        ReportJob.objects.filter(pk=job.pk).update(status=status, content=content, filename=filename, error=error,
                                                   finished_at=timezone.now())
        record_event(object_type="dashboards.report_job", object_id=job.pk, actor=job.requested_by,
                     action="done" if status == ReportStatus.DONE else "fail",
                     payload={"kind": job.kind, "filename": filename, "bytes": len(content), "error": error})
    job.status, job.filename, job.error = status, filename, error


def report_interrupted(job_id: int) -> None:
    """The job's worker died: the job is failed with the queue's own message, so the person may resubmit."""
    ReportJob.objects.filter(pk=job_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now())
