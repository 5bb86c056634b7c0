"""Hotline imports: a 12345/12369 centre's daily export (.xlsx, or .csv in UTF-8 or GBK) read with a saved column
mapping, checked whole, and registered all together or not at all; a ticket already imported is skipped, so importing
the same day twice adds nothing. Citizens' names and phones go into the problems' encrypted reporter fields.

The web request stores the file and queues the job; the worker runs `hotline_run` (tasks.py)."""
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from qingshan.audit.services import record_event
from qingshan.core.choices import JobStatus
from qingshan.core.errors import NotFound, PermissionRefused
from qingshan.core.job_uploads import kept_for_job
from qingshan.core.spreadsheets import SpreadsheetRefused, first_sheet_rows
from qingshan.orgs.models import Region, User
from qingshan.problems.models import Category
from qingshan.problems.services import ItemRefused, NewProblem, problems_register

from .models import HOTLINE_FIELDS, HotlineImport, HotlineMapping, HotlineTicket

JOB_TYPE = "intake.hotlineimport"
MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 50
CHUNK = 1000  # ticket numbers one look-up asks about, tickets one INSERT carries
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")
LOCAL = dt.timezone(dt.timedelta(hours=8))
SYSTEM_ERROR = "导入时发生系统错误（{name}），未导入任何数据。请联系管理员。"


class ImportRejected(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Ticket:
    row: int
    ticket_no: str
    received_at: dt.datetime
    title: str
    description: str
    location: str
    region: Region
    category: Category
    reporter_name: str
    reporter_phone: str


def hotline_submit(*, actor: User, mapping: HotlineMapping, upload: File) -> HotlineImport:
    """Keep the uploaded export and queue its import (audited), or refuse at once with a Chinese message."""
    from qingshan.access.actors import profile_of

    if not profile_of(actor).supervising:
        raise PermissionRefused("只有纪检监察工作人员可以导入热线工单。")
    with kept_for_job(upload, folder="intake", suffixes=(".xlsx", ".csv"), max_bytes=MAX_BYTES,
                      wrong_type="文件“{name}”不是 .xlsx 或 .csv 文件。") as kept, transaction.atomic():
        job = HotlineImport.objects.create(mapping=mapping, created_by=actor, original_name=kept.name[:255],
                                           stored_path=str(kept.path), sha256=kept.sha256)
        record_event(object_type=JOB_TYPE, object_id=job.pk, action="import", actor=actor,
                     to_state=JobStatus.QUEUED, payload={"mapping": mapping.name, "file": kept.name,
                                                         "size": kept.size, "sha256": job.sha256})
        from .tasks import run_hotline_import

        run_hotline_import.enqueue(job.pk)
    return job


def hotline_job(*, user: User, pk: int) -> HotlineImport:
    """An import, to the person who started it only."""
    job = HotlineImport.objects.filter(pk=pk, created_by=user).select_related("mapping").first()
    if job is None:
        raise NotFound("没有这个导入任务，或您无权查看。")
    return job


# ---------------------------------------------------------------- reading and checking


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it is, else GB 18030 (a superset of GBK, what Chinese Excel writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportRejected(["文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx。"]) from None


def read_rows(path: Path, name: str) -> list[list[object]]:
    """Every row of the file (the header first), cells as read."""
    if name.lower().endswith(".csv"):
        text = _decode(path.read_bytes())
        return [row for row in csv.reader(io.StringIO(text))]
    try:
        with first_sheet_rows(path) as sheet:
            return [list(row) for row in sheet.rows]
    except SpreadsheetRefused as exc:
        raise ImportRejected([str(exc)]) from None
    except Exception:  # noqa: BLE001 -- a damaged package: one clear sentence instead of a stack trace
        raise ImportRejected([f"文件“{name}”无法读取，可能已损坏或不是 Excel 文件。"]) from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _time(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=LOCAL)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=LOCAL)
    text = _text(value)
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=LOCAL)
        except ValueError:
            continue
    return None


def check_rows(mapping: HotlineMapping, rows: list[list[object]]) -> tuple[list[Ticket], list[str]]:
    """The tickets of the file, or the list of every problem found (row and column named)."""
    if not rows:
        return [], ["文件中没有任何行。"]
    header = [_text(c) for c in rows[0]]
    position, errors = {}, []
    for field, title in mapping.columns.items():
        if title in header:
            position[field] = header.index(title)
        elif HOTLINE_FIELDS.get(field, ("", False))[1]:
            errors.append(f"表头缺少“{title}”列（{HOTLINE_FIELDS[field][0]}）。")
    for field, (label, required) in HOTLINE_FIELDS.items():
        if required and field not in mapping.columns:
            errors.append(f"列对应“{mapping.name}”没有指定{label}所在的列，请管理员补充。")
    if errors:
        return [], errors
    regions = {r.name: r for r in Region.objects.filter(path__startswith=mapping.default_region.path)}
    regions |= {r.code: r for r in regions.values()}
    categories = {c.name: c for c in Category.objects.all()} | {c.code: c for c in Category.objects.all()}
    tickets, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue

        def cell(field: str, row=row) -> object:
            index = position.get(field)
            return row[index] if index is not None and index < len(row) else None

        def fail(field: str, message: str, number=number) -> None:
            errors.append(f"第 {number} 行“{mapping.columns.get(field, HOTLINE_FIELDS[field][0])}”：{message}")

        ticket_no = _text(cell("ticket_no"))
        if not ticket_no:
            fail("ticket_no", "工单编号为空。")
        elif len(ticket_no) > 64:
            fail("ticket_no", "工单编号超过 64 个字符。")
        elif ticket_no in seen:
            fail("ticket_no", f"工单编号 {ticket_no} 与第 {seen[ticket_no]} 行重复。")
        seen.setdefault(ticket_no, number)
        received = _time(cell("received_at"))
        if received is None:
            fail("received_at", f"“{_text(cell('received_at'))}”不是有效的时间（如 2026-03-02 09:30）。")
        description = _text(cell("description"))
        if not description:
            fail("description", "诉求内容为空。")
        region = mapping.default_region
        if raw := _text(cell("region")):
            region = regions.get(raw)
            if region is None:
                fail("region", f"“{raw}”不是本辖区的区划名称或代码。")
        category = mapping.default_category
        if raw := _text(cell("category")):
            category = categories.get(raw)
            if category is None:
                fail("category", f"“{raw}”不是已有的问题类别。")
        name, phone = _text(cell("reporter_name"))[:50], _text(cell("reporter_phone"))[:30]
        if bool(name) != bool(phone):
            fail("reporter_phone" if name else "reporter_name", "来电人姓名和联系电话须同时填写或同时为空。")
        if len(errors) >= MAX_ERRORS:
            errors.append(f"错误超过 {MAX_ERRORS} 处，其余未列出。")
            break
        if received and description and ticket_no and region and category:
            title = _text(cell("title")) or description[:30] + ("…" if len(description) > 30 else "")
            tickets.append(Ticket(number, ticket_no, received, title[:200], description[:4000],
                                  _text(cell("location"))[:200], region, category, name, phone))
    return tickets, errors


# ---------------------------------------------------------------- the worker's side


def ticket_problem(mapping: HotlineMapping, ticket: Ticket) -> NewProblem:
    """The problem a ticket registers: its text, with the hotline's number and time of receipt kept in the
    description, and the caller as the encrypted reporter."""
    return NewProblem(
        title=ticket.title, source=mapping.source, category=ticket.category, region=ticket.region,
        description=f"{ticket.description}\n（{mapping.source.name}工单 {ticket.ticket_no}，"
                    f"受理于 {timezone.localtime(ticket.received_at):%Y-%m-%d %H:%M}）",
        location=ticket.location, reporter_name=ticket.reporter_name, reporter_phone=ticket.reporter_phone)


def hotline_run(job_id: int) -> HotlineImport:
    """Claim the job, read and check the whole file, then register every new ticket in one transaction (as the
    importer, together: problems_register) or none; the stored file is deleted whatever happens."""
    claimed = HotlineImport.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING)
    job = HotlineImport.objects.select_related("mapping__source", "mapping__default_region",
                                               "mapping__default_category", "created_by").get(pk=job_id)
    if not claimed:
        return job
    path = Path(job.stored_path)
    try:
        rows = read_rows(path, job.original_name)
        tickets, errors = check_rows(job.mapping, rows)
        if errors:
            raise ImportRejected(errors)
        with transaction.atomic():
            source = job.mapping.source
            numbers = [t.ticket_no for t in tickets]
            known = {no for start in range(0, len(numbers), CHUNK) for no in HotlineTicket.objects.filter(
                source=source, ticket_no__in=numbers[start:start + CHUNK]).values_list("ticket_no", flat=True)}
            new = [t for t in tickets if t.ticket_no not in known]

            def keep_tickets(problems: list) -> None:
                HotlineTicket.objects.bulk_create([
                    HotlineTicket(source=source, ticket_no=t.ticket_no, received_at=t.received_at, problem=problem,
                                  imported_by=job) for t, problem in zip(new, problems, strict=True)
                ], batch_size=CHUNK)

            try:
                problems_register(actor=job.created_by, items=[ticket_problem(job.mapping, t) for t in new],
                                  then=keep_tickets)
            except ItemRefused as exc:
                raise ImportRejected([f"第 {new[exc.index].row} 行：{exc}"]) from None
            _finish(job, JobStatus.DONE, total=len(tickets), imported=len(new), skipped=len(tickets) - len(new))
    except ImportRejected as refused:
        _finish(job, JobStatus.FAILED, errors=refused.errors)
    except Exception as exc:
        _finish(job, JobStatus.FAILED, errors=[SYSTEM_ERROR.format(name=type(exc).__name__)])
        raise
    finally:
        path.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def _finish(job: HotlineImport, status: str, *, total: int = 0, imported: int = 0, skipped: int = 0,
            errors: list[str] | None = None) -> None:
    with transaction.atomic():
        HotlineImport.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), rows_total=total,
                                                       rows_imported=imported, rows_skipped=skipped,
                                                       errors=errors or [])
        record_event(object_type=JOB_TYPE, object_id=job.pk, action="import", actor=job.created_by,
                     from_state=JobStatus.RUNNING, to_state=status, reason="；".join(errors or [])[:500],
                     payload={"rows": total, "imported": imported, "skipped": skipped})


def hotline_interrupted(job_id: int) -> None:
    """The worker died mid-import: the transaction rolled back, so nothing was registered; say so and clean up."""
    from qingshan.core.jobs import INTERRUPTED

    job = HotlineImport.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _finish(job, JobStatus.FAILED, errors=[INTERRUPTED])
    Path(job.stored_path).unlink(missing_ok=True)
