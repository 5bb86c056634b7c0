"""The feedback-item import as a background job: the request checks the upload's name and size, keeps it and queues
the job; the worker reads it (bounded: core/spreadsheets.py) and imports all rows or none (excel.py)."""
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, PermissionRefused
from qingshan.core.job_uploads import kept_for_job
from qingshan.orgs.models import User

from . import excel
from .choices import Action, ImportStatus
from .models import Campaign, ImportJob

JOB_TYPE = "rectification.importjob"
SYSTEM_ERROR = "导入时发生系统错误（{name}），未导入任何数据。请联系管理员。"


def import_submit(*, actor: User, campaign: Campaign, upload: File, may_import: bool) -> ImportJob:
    """Accept an .xlsx of feedback items: a wrong type or size is refused at once (nothing kept); else the file is kept
    and the job queued with its audit event in one transaction."""
    if not may_import:
        raise PermissionRefused("只有纪检监察机构的工作人员可以导入督察反馈问题。")
    with kept_for_job(upload, folder="rectification", suffixes=(".xlsx",), max_bytes=excel.MAX_BYTES,
                      wrong_type=excel.ONLY_XLSX) as kept, transaction.atomic():
        job = ImportJob.objects.create(campaign=campaign, created_by=actor, original_name=kept.name[:255],
                                       stored_path=str(kept.path))
        record_event(object_type=JOB_TYPE, object_id=job.pk, action=Action.IMPORT, actor=actor,
                     to_state=ImportStatus.QUEUED, payload={"campaign": campaign.pk, "file": kept.name})
        from .tasks import run_item_import

        run_item_import.enqueue(job.pk)
    return job


def import_job_detail(*, user: User, pk: int) -> ImportJob:
    """An import job, to the person who started it only."""
    job = ImportJob.objects.filter(pk=pk, created_by=user).select_related("campaign").first()
    if job is None:
        raise NotFound("没有这个导入任务，或您无权查看。")
    return job


def _finish(job: ImportJob, status: str, *, rows: int = 0, errors: list[str] | None = None) -> None:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), rows_imported=rows,
                                                   errors=errors or [])
        record_event(object_type=JOB_TYPE, object_id=job.pk, action=Action.IMPORT, actor=job.created_by,
                     from_state=ImportStatus.RUNNING, to_state=status, reason="；".join(errors or [])[:500],
                     payload={"rows": rows})


def import_run(job_id: int) -> ImportJob:
    """The worker's side: claim the job, import the file as its submitter (all rows or none), record the outcome;
    the file is deleted whatever happens."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING)
    job = ImportJob.objects.select_related("created_by", "campaign").get(pk=job_id)
    if not claimed:
        return job
    path = Path(job.stored_path)
    try:
        rows = excel.import_items(actor=job.created_by, campaign=job.campaign, data=path.read_bytes(),
                                  name=job.original_name)
    except excel.ImportRejected as refused:
        _finish(job, ImportStatus.FAILED, errors=refused.errors)
    except Exception as exc:  # noqa: BLE001 -- recorded on the job in Chinese; the worker logs the rest
        _finish(job, ImportStatus.FAILED, errors=[SYSTEM_ERROR.format(name=type(exc).__name__)])
        raise
    else:
        _finish(job, ImportStatus.DONE, rows=rows)
    finally:
        path.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def import_interrupted(job_id: int) -> None:
    """The worker running this job died: the job is 失败 (nothing was imported) and its file deleted."""
    from qingshan.core.jobs import INTERRUPTED

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _finish(job, ImportStatus.FAILED, errors=[INTERRUPTED])
    Path(job.stored_path).unlink(missing_ok=True)
