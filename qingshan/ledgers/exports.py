"""Ledger exports as background jobs: the web request checks the ledger and filters, records the export and queues
the job in one transaction; the worker writes the .xlsx (the same writer and rows as `services.ledger_export`, as
the person who asked may see them) under JOB_FILES_DIR with 0600 permissions; only that person may download it."""
import contextlib
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import QueryDict
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, ServiceError
from qingshan.orgs.models import User

from . import selectors, services
from .models import ExportJob, ExportStatus
from .specs import ledger

NO_LEDGER = "没有这个台账，不能导出。"
SYSTEM_ERROR = "导出时发生系统错误（{name}），请稍后重试或联系管理员。"


def _folder() -> Path:
    folder = settings.JOB_FILES_DIR / "ledgers"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _query_dict(params: Mapping[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(key, list(values))
    return data


NOT_FILTERS = ("page", "csrfmiddlewaretoken")


def _as_lists(params: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """The filters as JSON for the job's row: name -> list of values, without the page number or the form token."""
    if params is None:
        return {}
    if isinstance(params, QueryDict):
        return {key: values for key, values in params.lists() if key not in NOT_FILTERS}
    return {key: (list(value) if isinstance(value, list | tuple) else [str(value)])
            for key, value in params.items() if key not in NOT_FILTERS}


def export_submit(*, actor: User, code: str, params: Mapping[str, Any] | None = None) -> ExportJob:
    """Queue the export of ledger `code` under `params` for `actor`: refuse an unknown ledger, a user without an
    organisation or bad filters at once (Chinese message, nothing recorded), else record the export and queue the
    job in one transaction."""
    spec = ledger(code)
    if spec is None:
        raise ServiceError(NO_LEDGER)
    kept = _as_lists(params)
    profile, query = services.check_exporter(actor, spec, _query_dict(kept))
    with transaction.atomic():
        job = ExportJob.objects.create(ledger=spec.code, params=kept, filters=query.form.describe()[:500],
                                       created_by=actor)
        record_event(object_type=services.EXPORT_OBJECT, object_id=spec.number, action="export", actor=actor,
                     actor_org=profile.memberships[0].organisation, internal=True,
                     payload={"ledger": spec.code, "filters": query.form.describe(), "job": job.pk})
        from .tasks import run_ledger_export

        run_ledger_export.enqueue(job.pk)  # the job's row commits with the export's record, or neither does
    return job


def export_job_detail(*, user: User, pk: int) -> ExportJob:
    """An export job, to the person who asked for it only (its rows are those they alone may see)."""
    job = ExportJob.objects.filter(pk=pk, created_by=user).first()
    if job is None:
        raise NotFound("没有这个导出任务，或您无权查看。")
    return job


def export_file(*, user: User, pk: int) -> ExportJob:
    """A finished export whose file is still there, to the person who asked for it only."""
    job = export_job_detail(user=user, pk=pk)
    if job.status != ExportStatus.DONE or not job.stored_path or not Path(job.stored_path).is_file():
        raise NotFound("导出文件不存在或尚未生成。")
    return job


class _Progress:
    """Records rows written while the export runs: on PostgreSQL through a connection of its own (the export's
    transaction would hide the update until the end), on SQLite through the same connection (no transaction open)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.own = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None

    def __call__(self, rows: int) -> None:
        if self.own is None:
            ExportJob.objects.filter(pk=self.job_id).update(rows_written=rows)
            return
        with self.own.cursor() as cursor:
            cursor.execute(f"UPDATE {ExportJob._meta.db_table} SET rows_written = %s WHERE id = %s",  # noqa: S608
                           [rows, self.job_id])

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def _record(job: ExportJob, action: str, payload: dict) -> None:
    """An export's completion or failure in the audit chain, beside its queueing ("export"), in the caller's
    transaction: the job, the ledger and what became of it."""
    spec = ledger(job.ledger)
    memberships = profile_of(job.created_by).memberships
    record_event(object_type=services.EXPORT_OBJECT, object_id=spec.number if spec else 0, action=action,
                 actor=job.created_by, actor_org=memberships[0].organisation if memberships else None, internal=True,
                 payload={"ledger": job.ledger, "job": job.pk, **payload})


def _fail(job_id: int, message: str) -> None:
    with transaction.atomic():
        failed = ExportJob.objects.filter(pk=job_id).exclude(
            status__in=(ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=message[:500])
        if failed:
            _record(ExportJob.objects.select_related("created_by").get(pk=job_id), "export_failed",
                    {"error": message[:500]})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_run(job_id: int) -> ExportJob:
    """The worker's side: claim the job (排队中 → 运行中) and write the workbook as its asker may see the ledger;
    a failed export leaves no file."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now())
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    path = _folder() / f"{uuid.uuid4().hex}.xlsx"
    ExportJob.objects.filter(pk=job_id).update(stored_path=str(path))  # known before writing: recovery removes it
    progress = _Progress(job_id)
    try:
        spec = ledger(job.ledger)
        if spec is None:
            raise ServiceError(NO_LEDGER)
        actor = job.created_by
        _profile, query = services.check_exporter(actor, spec, _query_dict(job.params))
        now = timezone.localtime()
        title, subtitle, filename = services.export_titles(actor=actor, spec=spec, query=query, now=now)
        counts, status = selectors.ledger_counts(query), query.form.cleaned_data.get("status")
        total = counts.get(status, 0) if status else counts["open"] + counts["closed"]
        ExportJob.objects.filter(pk=job_id).update(rows_total=total)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # openpyxl keeps the mode it finds
        # On PostgreSQL inside a transaction, so the server-side cursor streams (see services.write_query); SQLite
        # reads in chunks without one, and its progress updates then commit as they are made.
        streaming = transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext()
        with streaming:
            count = services.write_query(str(path), spec=spec, query=query, title=title, subtitle=subtitle,
                                         progress=progress)
        os.chmod(path, 0o600)
    except ServiceError as refused:
        path.unlink(missing_ok=True)
        _fail(job_id, refused.message)
    except Exception as exc:
        path.unlink(missing_ok=True)
        _fail(job_id, SYSTEM_ERROR.format(name=type(exc).__name__))
        raise
    else:
        with transaction.atomic():
            ExportJob.objects.filter(pk=job_id).update(status=ExportStatus.DONE, finished_at=timezone.now(),
                                                       rows_written=count, rows_total=count, filename=filename)
            _record(job, "export_done", {"rows": count, "sha256": _sha256(path), "filename": filename})
    finally:
        progress.close()
    job.refresh_from_db()
    return job


def export_interrupted(job_id: int) -> None:
    """The worker writing this export died: an unfinished export is 失败 and its partial file is removed."""
    from qingshan.core.jobs import INTERRUPTED

    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _fail(job_id, INTERRUPTED)
    if job.stored_path:
        Path(job.stored_path).unlink(missing_ok=True)


def expire_exports(now: dt.datetime | None = None) -> int:
    """Delete the files of the exports finished more than LEDGER_EXPORT_RETENTION_DAYS ago and mark them 已过期;
    returns how many. The core retention sweep does it (ledgers/retention.py registers the exports with it)."""
    from qingshan.core.retention import expire_job_files

    return expire_job_files(now, only="ledgers.ExportJob").get("台账导出文件", 0)
