"""The worker's side of the loop's files: the 借阅登记 as Excel, the 函询 / 下转 letters and the quarterly
report-back to 信访室 as Word.

Each file is written as its asker may see it at run time (access/clues.py is asked again: someone blocked or moved
since asking gets a failed job, not a file), under JOB_FILES_DIR/clues with 0600 permissions. Letters come from
documents.py, which never reads the vault; the register lists who read a reporter's identity, never the identity.
"""
import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from qingshan.access.clues import circle_of, visible_reveals
from qingshan.core.choices import JobStatus
from qingshan.core.errors import ServiceError

from . import documents, services
from .choices import JobKind
from .models import ClueJob

SYSTEM_ERROR = "生成文件时发生系统错误（{name}），请稍后重试或联系管理员。"
NO_LONGER = "您已无权查看该内容，文件未生成。"
PROGRESS_EVERY = 500  # rows between two progress updates of the register export
COLUMNS = ("查阅时间", "线索", "查阅人", "查阅人单位", "查阅身份", "事由")


def _folder() -> Path:
    folder = settings.JOB_FILES_DIR / "clues"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _fail(job_id: int, message: str) -> None:
    ClueJob.objects.filter(pk=job_id).exclude(status__in=(JobStatus.DONE, JobStatus.FAILED)).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error=message[:500])


def _write_register(job: ClueJob, path: Path) -> int:
    """The asker's 借阅登记, newest first, one row per reveal; progress every PROGRESS_EVERY rows."""
    reveals = visible_reveals(job.created_by).filter(clue__commission_id__in=job.commissions)
    ClueJob.objects.filter(pk=job.pk).update(rows_total=reveals.count())
    rows = reveals.order_by("-at", "-id").values_list(
        "at", "clue__number", "clue__intake_ref", "user__full_name", "user__username", "organisation__name",
        "capacity", "reason")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("借阅登记")
    sheet.append(["借阅登记（举报人信息查阅记录）"])
    sheet.append([f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}　导出人：{job.created_by}"])
    sheet.append(list(COLUMNS))
    written = 0
    for at, number, intake_ref, full_name, username, org, capacity, reason in rows.iterator(chunk_size=PROGRESS_EVERY):
        sheet.append([timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), number or intake_ref, full_name or username,
                      org or "", capacity, reason])
        written += 1
        if written % PROGRESS_EVERY == 0:
            ClueJob.objects.filter(pk=job.pk).update(rows_written=written)
    book.save(path)
    return written


def _write_letter(job: ClueJob, path: Path) -> int:
    """The letter, if the asker may still have it (the services' rule, asked again now)."""
    try:
        services.document_capacity(actor=job.created_by, job=job)
    except ServiceError as refused:
        raise ServiceError(NO_LONGER) from refused
    if job.kind == JobKind.LETTER:
        assert job.letter is not None  # noqa: S101
        data = documents.inquiry_letter_docx(job.letter)
    else:
        assert job.clue is not None  # noqa: S101
        data = documents.transfer_down_docx(job.clue)
    path.write_bytes(data)
    return 1


def _write_quarter(job: ClueJob, path: Path) -> int:
    """The report-back document, if the asker may still have it, as the asker sees the clues now."""
    assert job.quarter_report is not None  # noqa: S101
    try:
        services.quarter_document_capacity(actor=job.created_by, report=job.quarter_report)
    except ServiceError as refused:
        raise ServiceError(NO_LONGER) from refused
    path.write_bytes(documents.quarter_report_docx(job.quarter_report, job.created_by))
    return 1


def _filename(job: ClueJob) -> str:
    if job.kind == JobKind.REVEALS:
        return f"借阅登记_{timezone.localtime():%Y%m%d_%H%M%S}.xlsx"
    if job.kind == JobKind.QUARTER and job.quarter_report is not None:
        report = job.quarter_report
        return f"季度回告_{report.office.name}_{report.year}年第{report.quarter}季度.docx"
    if job.kind == JobKind.LETTER and job.letter is not None:
        return f"函询函_{job.letter.number}.docx"
    return f"线索移交函_{job.clue.reference if job.clue else job.pk}.docx"


def job_run(job_id: int) -> ClueJob:
    """Claim the job (排队中 → 运行中) and write its file; a failed job leaves no file."""
    claimed = ClueJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    job = ClueJob.objects.select_related("created_by", "clue__commission", "clue__reported_unit",
                                         "letter__clue__commission", "quarter_report__office__parent").get(pk=job_id)
    if not claimed:
        return job
    suffix = ".xlsx" if job.kind == JobKind.REVEALS else ".docx"
    path = _folder() / f"{uuid.uuid4().hex}{suffix}"
    ClueJob.objects.filter(pk=job_id).update(stored_path=str(path))  # known before writing: recovery removes it
    try:
        if job.kind == JobKind.REVEALS and not (set(job.commissions) & circle_of(job.created_by).anguan):
            raise ServiceError(NO_LONGER)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # openpyxl keeps the mode it finds
        writer = {JobKind.REVEALS: _write_register, JobKind.QUARTER: _write_quarter}.get(job.kind, _write_letter)
        count = writer(job, path)
        os.chmod(path, 0o600)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except ServiceError as refused:
        path.unlink(missing_ok=True)
        _fail(job_id, refused.message)
    except Exception as exc:
        path.unlink(missing_ok=True)
        _fail(job_id, SYSTEM_ERROR.format(name=type(exc).__name__))
        raise
    else:
        with transaction.atomic():
            ClueJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now(),
                                                     rows_written=count, rows_total=count, sha256=digest,
                                                     filename=_filename(job))
    job.refresh_from_db()
    return job


def job_interrupted(job_id: int) -> None:
    """The worker writing this file died: the job is 失败 and its partial file removed."""
    from qingshan.core.jobs import INTERRUPTED

    job = ClueJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _fail(job_id, INTERRUPTED)
    if job.stored_path:
        Path(job.stored_path).unlink(missing_ok=True)
