"""Excel imports as background jobs: the web request checks the upload's name and size, stores it and queues the
job; the worker reads it through the bounded spreadsheet reader and imports all rows or none (excel.py).

Each step is audited on the job (提交 → 已完成/失败); the rows themselves are audited by the services that write them.
"""
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.job_uploads import kept_for_job
from qingshan.orgs.models import User

from . import excel
from .choices import Action, ImportStatus
from .models import ImportJob

JOB_TYPE = "supervision.importjob"
SYSTEM_ERROR = "导入时发生系统错误（{name}），未导入任何数据。请联系管理员。"


def import_submit(*, actor: User, kind: str, upload: File) -> ImportJob:
    """Accept an .xlsx for import: refuse a wrong type or size at once (Chinese message, nothing kept), else keep
    the file and queue the job with its audit event in one transaction."""
    if kind not in excel.IMPORTS:
        raise ServiceError("没有这种导入。")
    with kept_for_job(upload, folder="supervision", suffixes=(".xlsx",), max_bytes=excel.MAX_BYTES,
                      wrong_type=excel.ONLY_XLSX) as kept, transaction.atomic():
        job = ImportJob.objects.create(kind=kind, created_by=actor, original_name=kept.name[:255],
                                       stored_path=str(kept.path), size=kept.size)
        record_event(object_type=JOB_TYPE, object_id=job.pk, action=Action.IMPORT, actor=actor,
                     to_state=ImportStatus.QUEUED, payload={"kind": kind, "file": kept.name, "size": kept.size})
        from .tasks import run_excel_import

        run_excel_import.enqueue(job.pk)  # the job's row commits with the import's, or neither does
    return job


def import_job_detail(*, user: User, pk: int) -> ImportJob:
    """An import job, to the person who started it only (it may name rows of items they alone may see)."""
    job = ImportJob.objects.filter(pk=pk, created_by=user).first()
    if job is None:
        raise NotFound("没有这个导入任务，或您无权查看。")
    return job


def _finish(job: ImportJob, status: str, *, rows: int = 0, errors: list[str] | None = None) -> None:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), rows_imported=rows,
                                                   errors=errors or [])
        record_event(object_type=JOB_TYPE, object_id=job.pk, action=Action.IMPORT, actor=job.created_by,
                     from_state=ImportStatus.RUNNING, to_state=status, reason="；".join(errors or [])[:500],
                     payload={"kind": job.kind, "rows": rows})


def import_run(job_id: int) -> ImportJob:
    """The worker's side: claim the job (排队中 → 运行中), read and import the file as its submitter, all rows or
    none, record the outcome; the file is deleted whatever happens."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now())
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    path = Path(job.stored_path)
    try:
        with open(path, "rb") as handle:
            rows = excel.IMPORTS[job.kind].run(actor=job.created_by, upload=File(handle, name=job.original_name))
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
    """The worker running this job died: an unfinished job is 失败 (its transaction rolled back: no row was
    imported) and its file is deleted."""
    from qingshan.core.jobs import INTERRUPTED

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _finish(job, ImportStatus.FAILED, errors=[INTERRUPTED])
    Path(job.stored_path).unlink(missing_ok=True)
