"""Every change to an instrument or an accountability record: permission, transition check, the write and its audit
event, in one transaction. Generation of Word files runs in the background (tasks.py) through `batch_run`."""
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.clues import visible_clues
from qingshan.access.instruments import instrument_capacity, supervising_org_over, visible_instruments
from qingshan.access.problems import visible_problems
from qingshan.access.rectification import visible_items
from qingshan.audit.services import EventSpec, record_event, record_events
from qingshan.core.documents import render_docx
from qingshan.core.errors import PermissionRefused, ServiceError, stated_reason
from qingshan.core.jobs import INTERRUPTED
from qingshan.core.notices import Notice, notify
from qingshan.core.numbering import take_number
from qingshan.core.uploads import checked_sha256, content_type_for, files_removed_on_failure
from qingshan.orgs.choices import SUPERVISOR_ROLES, UNIT_ROLES, OrgKind
from qingshan.orgs.models import Membership, Organisation, User, commission_of
from qingshan.problems.models import Problem

from .choices import (
    DEFAULT_PREFIX_WORDS,
    LEVELLED_KINDS,
    AccountabilityAction,
    Action,
    BatchStatus,
    FilePurpose,
    FollowUpKind,
    Form,
    Kind,
    Level,
    Rank,
    State,
)
from .documents import document_context, template_for, validate_template
from .models import (
    AccountabilityRecord,
    AccountablePerson,
    DocumentBatch,
    DocumentTemplate,
    ExposureBatch,
    FollowUp,
    GeneratedDocument,
    Instrument,
    InstrumentFile,
    InternalNote,
    NumberPrefix,
)
from .transitions import INSTRUMENT_ACTIONS, ISSUER

OBJECT_TYPE = "instruments.instrument"
RECORD_TYPE = "instruments.accountability"
BATCH_TYPE = "instruments.exposure_batch"
TEMPLATE_TYPE = "instruments.template"
PROGRESS_EVERY = 25  # a batch writes its progress every so many documents


# ---------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def _locked(instrument: Instrument) -> Instrument:
    """Re-read under a row lock so concurrent actions cannot both pass the state check."""
    return Instrument.objects.select_for_update(of=("self",)).select_related(
        "issuer", "recipient", "drafting_org").get(pk=instrument.pk)


def _authorise(actor: User, instrument: Instrument, action: str) -> Organisation:
    """Check the table for `action` now; the organisation the actor acts for, or a clear refusal."""
    rule = INSTRUMENT_ACTIONS.check_state(action, instrument.state, ServiceError)
    capacity = instrument_capacity(actor, instrument)
    if rule.who == ISSUER:
        if capacity.issuer_org is None:
            raise PermissionRefused(f"只有发文机关的纪检监察工作人员可以{rule.label}。")
        return capacity.issuer_org
    if capacity.recipient is None:
        raise PermissionRefused(f"只有主送单位的经办人或负责人可以{rule.label}。")
    return capacity.recipient


def allowed_actions(user: User, instrument: Instrument) -> list[str]:
    """The actions `user` may take on `instrument` now, in table order (what the UI offers and the API accepts)."""
    capacity = instrument_capacity(user, instrument)
    return INSTRUMENT_ACTIONS.allowed(instrument.state, lambda rule: bool(
        capacity.issuer_org if rule.who == ISSUER else capacity.recipient))


def _audit(instrument: Instrument, *, actor: User | None, org: Organisation | None, action: str, from_state: str,
           reason: str = "", payload: dict | None = None, internal: bool = False) -> None:
    record_event(object_type=OBJECT_TYPE, object_id=instrument.pk, action=action, actor=actor, actor_org=org,
                 from_state=from_state, to_state=instrument.state, reason=reason, payload=payload, internal=internal)


def _require(text: str | None, message: str, field: str) -> str:
    if not text or not text.strip():
        raise ServiceError(message, field=field)
    return text.strip()


def _numbers(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,，、;；]+", raw or "") if part]


def _problems(actor: User, raw: str) -> list[Problem]:
    """The problems named by number that `actor` may see; an unknown or hidden number is refused by name."""
    numbers = _numbers(raw)
    if not numbers:
        return []
    found = {p.number: p for p in visible_problems(actor).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ServiceError(f"未找到问题“{'、'.join(missing)}”，或您无权查看。", field="problem_numbers")
    return [found[n] for n in dict.fromkeys(numbers)]


def _named(queryset: QuerySet[Any], raw: str, *, noun: str, field: str) -> list[Any]:
    """The rows of a scoped `queryset` named by number in `raw`; a number outside it is refused by name with the same
    words as a missing one, so a refusal never tells whether a hidden record exists."""
    numbers = _numbers(raw)
    if not numbers:
        return []
    found = {row.number: row for row in queryset.filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ServiceError(f"未找到{noun}“{'、'.join(missing)}”，或您无权查看。", field=field)
    return [found[n] for n in dict.fromkeys(numbers)]


def _members(org_id: int, roles: Iterable[str]) -> list[int]:
    return list(Membership.objects.filter(organisation_id=org_id, role__in=roles, is_active=True,
                                          user__is_active=True).values_list("user_id", flat=True))


def _store(*, actor: User, instrument: Instrument, upload: UploadedFile, purpose: str,
           stored: list[str]) -> InstrumentFile:
    """Save one checked upload; its storage name is added to `stored` so a failed service removes it."""
    sha256 = checked_sha256(upload)
    record = InstrumentFile(
        instrument=instrument, purpose=purpose, stored_token=secrets.token_hex(16),
        original_name=(upload.name or "")[:200], content_type=content_type_for(upload.name or ""),
        size=upload.size or 0,
        sha256=sha256, uploaded_by=actor, uploaded_at=timezone.now())
    record.file.save(record.stored_token, upload, save=False)
    stored.append(record.file.name)
    record.save()
    return record


def issuer_for(actor: User) -> tuple[Organisation, Organisation]:
    """(the drafting organisation, the issuing commission) of an instrument `actor` drafts, or a refusal."""
    for org in profile_of(actor).supervising:
        commission = commission_of(org, through_stationed_group=True)
        if commission is not None:
            return org, commission
    raise PermissionRefused("只有纪检监察机关的工作人员可以起草文书。")


def number_prefix(kind: str, issuer: Organisation) -> str:
    """The configured prefix of `kind` for `issuer`, else the issuer's first character and the type's word."""
    configured = NumberPrefix.objects.filter(kind=kind, issuer=issuer).values_list("prefix", flat=True).first()
    return configured or f"{issuer.name[:1]}{DEFAULT_PREFIX_WORDS[Kind(kind)]}"


def format_number(prefix: str, year: int, serial: int) -> str:
    """青纪建〔2026〕3号: the year in 六角括号, the serial without leading zeros and without 第 (GB/T 9704)."""
    return f"{prefix}〔{year}〕{serial}号"


def number_series(kind: str, issuer_id: int) -> str:
    return f"instrument:{kind}:{issuer_id}"


# ---------------------------------------------------------------- creation


def _check_draft(*, drafting_org: Organisation, issuer: Organisation, kind: str, recipient: Organisation,
                 level: str, reply_deadline: dt.date, rectify_deadline: dt.date | None) -> None:
    """The rules a draft must meet, whether drafted or edited (a refusal names the field and changes nothing)."""
    if kind not in Kind.values:
        raise ServiceError("请选择文书类型。", field="kind")
    if recipient.kind != OrgKind.UNIT:
        raise ServiceError("主送单位须为责任单位。", field="recipient")
    if drafting_org.kind == OrgKind.STATIONED_GROUP:
        if not drafting_org.supervised_units.filter(pk=recipient.pk).exists():
            raise ServiceError(f"{recipient}不是{drafting_org}的派驻监督单位。", field="recipient")
    elif not recipient.region.path.startswith(issuer.region.path):
        raise ServiceError(f"{recipient}不在{issuer}的管辖范围内。", field="recipient")
    if level and kind not in LEVELLED_KINDS:
        raise ServiceError("只有督办函、督办单有督办等级。", field="level")
    if kind in LEVELLED_KINDS and not level:
        raise ServiceError("督办函、督办单须选择督办等级（蓝色、黄色或红色）。", field="level")
    if level and level not in Level.values:
        raise ServiceError("督办等级无效。", field="level")
    if reply_deadline < _today():
        raise ServiceError("回复期限不能早于今天。", field="reply_deadline")
    if rectify_deadline is not None and rectify_deadline < reply_deadline:
        raise ServiceError("整改期限不能早于回复期限。", field="rectify_deadline")


def instrument_create(*, actor: User, kind: str, recipient: Organisation, title: str, body: str,
                      reply_deadline: dt.date, rectify_deadline: dt.date | None = None, level: str = "",
                      cc: str = "", problem_numbers: str = "") -> Instrument:
    """Draft an instrument (起草). The drafter's body drafts it in the name of its commission."""
    drafting_org, issuer = issuer_for(actor)
    _check_draft(drafting_org=drafting_org, issuer=issuer, kind=kind, recipient=recipient, level=level,
                 reply_deadline=reply_deadline, rectify_deadline=rectify_deadline)
    with transaction.atomic():
        problems = _problems(actor, problem_numbers)
        instrument = Instrument.objects.create(
            kind=kind, level=level, issuer=issuer, drafting_org=drafting_org, region_path=issuer.region.path,
            recipient=recipient, title=_require(title, "请填写标题。", "title")[:200],
            body=_require(body, "请填写正文。", "body"), cc=(cc or "").strip(), reply_deadline=reply_deadline,
            rectify_deadline=rectify_deadline, state=State.DRAFT, created_by=actor, created_at=timezone.now())
        instrument.problems.set(problems)
        _audit(instrument, actor=actor, org=drafting_org, action=Action.CREATE, from_state="",
               payload={"kind": kind, "recipient": recipient.name, "problems": [p.number for p in problems]})
        return instrument


def draft_initial(instrument: Instrument) -> dict:
    """The edit form's starting values: the draft as it stands."""
    return {"level": instrument.level, "recipient": instrument.recipient_id, "title": instrument.title,
            "body": instrument.body, "reply_deadline": instrument.reply_deadline,
            "rectify_deadline": instrument.rectify_deadline, "cc": instrument.cc,
            "problem_numbers": " ".join(instrument.problems.order_by("number").values_list("number", flat=True))}


# ---------------------------------------------------------------- the action table's services


@INSTRUMENT_ACTIONS.performs(Action.ISSUE)
def instrument_issue(*, actor: User, instrument: Instrument, note: str = "") -> Instrument:
    """签发: take the next number of its type, issuer and year (gap-free, under a row lock) and send it."""
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.ISSUE)
        today = _today()
        if instrument.reply_deadline < today:
            raise ServiceError("回复期限已过，请作废后重新起草。", field="reply_deadline")
        from_state = instrument.state
        instrument.year = today.year
        instrument.serial = take_number(number_series(instrument.kind, instrument.issuer_id), today.year)
        instrument.number = format_number(number_prefix(instrument.kind, instrument.issuer), today.year,
                                          instrument.serial)
        instrument.state = State(INSTRUMENT_ACTIONS.leads_to(Action.ISSUE))
        instrument.issued_by, instrument.issued_at, instrument.issued_on = actor, timezone.now(), today
        instrument.save()
        _audit(instrument, actor=actor, org=org, action=Action.ISSUE, from_state=from_state, reason=note.strip(),
               payload={"number": instrument.number})
        notify(Notice(kind="instruments.issued", object_id=instrument.pk, deadline=instrument.reply_deadline,
                      user_ids=_members(instrument.recipient_id, UNIT_ROLES),
                      note=f"{instrument.get_kind_display()} {instrument.number}"))
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.EDIT)
def instrument_edit(*, actor: User, instrument: Instrument, recipient: Organisation, title: str, body: str,
                    reply_deadline: dt.date, rectify_deadline: dt.date | None = None, level: str = "", cc: str = "",
                    problem_numbers: str = "") -> Instrument:
    """修改草稿: recipient, problems, deadlines and text of a draft, checked as at drafting, audited with what changed.
    Once issued the instrument is on record: the table refuses the edit in every other state."""
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.EDIT)
        _check_draft(drafting_org=instrument.drafting_org, issuer=instrument.issuer, kind=instrument.kind,
                     recipient=recipient, level=level, reply_deadline=reply_deadline,
                     rectify_deadline=rectify_deadline)
        title = _require(title, "请填写标题。", "title")[:200]
        body = _require(body, "请填写正文。", "body")
        problems = _problems(actor, problem_numbers)
        cc = (cc or "").strip()
        before = {"recipient": instrument.recipient.name, "title": instrument.title, "level": instrument.level,
                  "reply_deadline": instrument.reply_deadline.isoformat(),
                  "rectify_deadline": instrument.rectify_deadline.isoformat() if instrument.rectify_deadline else "",
                  "cc": instrument.cc,
                  "problems": sorted(instrument.problems.values_list("number", flat=True))}
        after = {"recipient": recipient.name, "title": title, "level": level,
                 "reply_deadline": reply_deadline.isoformat(),
                 "rectify_deadline": rectify_deadline.isoformat() if rectify_deadline else "", "cc": cc,
                 "problems": sorted(p.number for p in problems)}
        changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if body != instrument.body:
            changed["body"] = ["（原正文）", "（新正文）"]  # the text itself stays in the instrument, not the log
        if not changed:
            raise ServiceError("没有修改任何内容。")
        instrument.recipient, instrument.title, instrument.body, instrument.level = recipient, title, body, level
        instrument.reply_deadline, instrument.rectify_deadline = reply_deadline, rectify_deadline
        instrument.cc = cc
        instrument.save()
        instrument.problems.set(problems)
        _audit(instrument, actor=actor, org=org, action=Action.EDIT, from_state=instrument.state,
               payload={"changed": changed})
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.VOID)
def instrument_void(*, actor: User, instrument: Instrument, reason: str) -> Instrument:
    """作废: the record and its number stay (a voided number is never reused); the recipient is no longer owed."""
    reason = stated_reason(reason, missing="请填写作废原因。", what="作废原因")
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.VOID)
        from_state = instrument.state
        instrument.state = State(INSTRUMENT_ACTIONS.leads_to(Action.VOID))
        instrument.voided_at, instrument.void_reason = timezone.now(), reason
        instrument.save()
        _audit(instrument, actor=actor, org=org, action=Action.VOID, from_state=from_state, reason=reason,
               payload={"number": instrument.number})
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.URGE)
def instrument_urge(*, actor: User, instrument: Instrument, note: str = "") -> Instrument:
    """催办: remind the recipient of a reply it owes; counted (the reminder engine escalates after K urgings)."""
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.URGE)
        instrument.urge_count += 1
        instrument.save(update_fields=["urge_count", "updated_at"])
        _audit(instrument, actor=actor, org=org, action=Action.URGE, from_state=instrument.state,
               reason=note.strip(), payload={"urge_count": instrument.urge_count})
        notify(Notice(kind="instruments.issued", object_id=instrument.pk, deadline=instrument.reply_deadline,
                      user_ids=_members(instrument.recipient_id, UNIT_ROLES),
                      note=f"催办：{note.strip() or '请尽快回复'}"))
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.REPLY)
def instrument_reply(*, actor: User, instrument: Instrument, text: str,
                     files: Iterable[UploadedFile] = ()) -> Instrument:
    """书面回复: the recipient's written reply with its signed file; "on time" is frozen at the first reply."""
    text = _require(text, "请填写回复内容。", "text")
    uploads = list(files)
    if not uploads:
        raise ServiceError("请上传书面回复文件。", field="files")
    with files_removed_on_failure() as stored, transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.REPLY)
        from_state = instrument.state
        names = [_store(actor=actor, instrument=instrument, upload=u, purpose=FilePurpose.REPLY,
                        stored=stored).original_name for u in uploads]
        now = timezone.now()
        if instrument.replied_on_time is None:
            instrument.replied_on_time = timezone.localdate(now) <= instrument.reply_deadline
        instrument.replied_at, instrument.reply_text = now, text
        instrument.state = State(INSTRUMENT_ACTIONS.leads_to(Action.REPLY))
        instrument.save()
        _audit(instrument, actor=actor, org=org, action=Action.REPLY, from_state=from_state,
               payload={"files": names, "on_time": instrument.replied_on_time})
        notify(Notice(kind="instruments.replied", object_id=instrument.pk, deadline=_today(),
                      user_ids=_members(instrument.drafting_org_id, SUPERVISOR_ROLES),
                      note=f"{instrument.recipient}已书面回复"))
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.ACCEPT, Action.RETURN)
def instrument_review(*, actor: User, instrument: Instrument, accept: bool, comment: str = "") -> Instrument:
    """审核回复: accept it (rectification is then followed up) or return it with the reason, told to the unit."""
    code = Action.ACCEPT if accept else Action.RETURN
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ServiceError("退回回复须填写审核意见。", field="comment")
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, code)
        from_state = instrument.state
        instrument.state = State(INSTRUMENT_ACTIONS.leads_to(code))
        instrument.review_comment = comment
        if accept:
            instrument.accepted_at = timezone.now()
        else:
            instrument.return_count += 1
        instrument.save()
        _audit(instrument, actor=actor, org=org, action=code, from_state=from_state, reason=comment)
        if not accept:
            notify(Notice(kind="instruments.issued", object_id=instrument.pk, deadline=instrument.reply_deadline,
                          user_ids=_members(instrument.recipient_id, UNIT_ROLES), note=f"回复被退回：{comment}",
                          event="returned"))
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.FOLLOW_UP)
def instrument_follow_up(*, actor: User, instrument: Instrument, kind: str, happened_on: dt.date, text: str,
                         files: Iterable[UploadedFile] = ()) -> FollowUp:
    """跟踪督办: record a follow-up (实地核查、回头看…) of an accepted instrument, with its material."""
    text = _require(text, "请填写跟踪督办情况。", "text")
    if kind not in FollowUpKind.values:
        raise ServiceError("请选择跟踪督办方式。", field="kind")
    if happened_on > _today():
        raise ServiceError("跟踪督办日期不能晚于今天。", field="happened_on")
    with files_removed_on_failure() as stored, transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.FOLLOW_UP)
        if instrument.issued_on and happened_on < instrument.issued_on:
            raise ServiceError("跟踪督办日期不能早于成文日期。", field="happened_on")
        follow_up = FollowUp.objects.create(instrument=instrument, kind=kind, happened_on=happened_on, text=text,
                                            recorded_by=actor, recorded_at=timezone.now())
        names = [_store(actor=actor, instrument=instrument, upload=u, purpose=FilePurpose.FOLLOW_UP,
                        stored=stored).original_name for u in files]
        _audit(instrument, actor=actor, org=org, action=Action.FOLLOW_UP, from_state=instrument.state,
               payload={"kind": kind, "date": happened_on.isoformat(), "files": names})
        return follow_up


@INSTRUMENT_ACTIONS.performs(Action.CLOSE)
def instrument_close(*, actor: User, instrument: Instrument, rectified: bool, comment: str = "") -> Instrument:
    """办结: record whether the rectification is done (and on time, frozen now)."""
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.CLOSE)
        from_state = instrument.state
        now = timezone.now()
        instrument.state = State(INSTRUMENT_ACTIONS.leads_to(Action.CLOSE))
        instrument.closed_at, instrument.rectified = now, bool(rectified)
        deadline = instrument.rectify_deadline or instrument.reply_deadline
        instrument.rectified_on_time = bool(rectified) and timezone.localdate(now) <= deadline
        if comment.strip():
            instrument.review_comment = comment.strip()
        instrument.save()
        _audit(instrument, actor=actor, org=org, action=Action.CLOSE, from_state=from_state, reason=comment.strip(),
               payload={"rectified": instrument.rectified, "on_time": instrument.rectified_on_time})
        return instrument


@INSTRUMENT_ACTIONS.performs(Action.NOTE)
def instrument_note(*, actor: User, instrument: Instrument, text: str) -> InternalNote:
    """内部意见: a comment for the supervising side only (internal in the audit chain too)."""
    text = _require(text, "请填写内部意见。", "text")
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.NOTE)
        note = InternalNote.objects.create(instrument=instrument, text=text, author=actor, created_at=timezone.now())
        _audit(instrument, actor=actor, org=org, action=Action.NOTE, from_state=instrument.state, internal=True)
        return note


@INSTRUMENT_ACTIONS.performs(Action.GENERATE)
def instrument_generate(*, actor: User, instrument: Instrument) -> DocumentBatch:
    """生成文书: queue the generation of its Word file (a batch of one)."""
    with transaction.atomic():
        instrument = _locked(instrument)
        org = _authorise(actor, instrument, Action.GENERATE)
        batch = _queue_batch(actor, [instrument.pk])
        _audit(instrument, actor=actor, org=org, action=Action.GENERATE, from_state=instrument.state,
               payload={"batch": batch.pk})
        return batch


# ---------------------------------------------------------------- documents


def documents_request(*, actor: User, instruments: Sequence[Instrument]) -> DocumentBatch:
    """Queue the generation of many instruments' Word files in one background job (all checked first, or none)."""
    if not instruments:
        raise ServiceError("请选择要生成的文书。")
    with transaction.atomic():
        for instrument in instruments:
            rule = INSTRUMENT_ACTIONS[Action.GENERATE]
            if not rule.allows_state(instrument.state):
                raise ServiceError(f"{instrument}：尚未签发或已作废，不能生成文书。")
            if supervising_org_over(actor, instrument) is None:
                raise PermissionRefused(f"{instrument}：只有发文机关的纪检监察工作人员可以生成文书。")
        return _queue_batch(actor, [i.pk for i in instruments])


def _queue_batch(actor: User, ids: list[int]) -> DocumentBatch:
    from .tasks import generate_documents

    batch = DocumentBatch.objects.create(requested_by=actor, requested_at=timezone.now(), instrument_ids=ids,
                                         total=len(ids))
    transaction.on_commit(lambda: generate_documents.enqueue(batch.pk))
    return batch


def batch_run(batch_id: int) -> DocumentBatch:
    """Generate every Word file of a batch (the job's body), writing progress as it goes; a failure fails the batch
    and removes the files it stored."""
    batch = DocumentBatch.objects.get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return batch
    DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    stored: list[str] = []
    try:
        templates: dict[str, tuple[bytes, str]] = {}
        ids = list(batch.instrument_ids)
        for start in range(0, len(ids), PROGRESS_EVERY):
            chunk = ids[start:start + PROGRESS_EVERY]
            instruments = list(Instrument.objects.filter(pk__in=chunk).select_related("issuer", "recipient")
                               .prefetch_related("problems"))
            documents, events = [], []
            now = timezone.now()
            for instrument in instruments:
                if instrument.kind not in templates:
                    templates[instrument.kind] = template_for(instrument.kind)
                template, template_sha = templates[instrument.kind]
                problems = sorted(f"{p.number} {p.title}" for p in instrument.problems.all())
                data = render_docx(template, document_context(instrument, problems))
                document = GeneratedDocument(
                    instrument=instrument, stored_token=secrets.token_hex(16), content_type=content_type_for("x.docx"),
                    original_name=f"{instrument.number or instrument.pk} {instrument.get_kind_display()}.docx"[:200],
                    size=len(data), sha256=hashlib.sha256(data).hexdigest(), template_sha256=template_sha,
                    uploaded_by_id=batch.requested_by_id, uploaded_at=now)
                document.file.save(document.stored_token, ContentFile(data), save=False)
                stored.append(document.file.name)
                documents.append(document)
                events.append(EventSpec(object_type=OBJECT_TYPE, object_id=instrument.pk, action=Action.GENERATE,
                                        actor=batch.requested_by, from_state=instrument.state,
                                        to_state=instrument.state, payload={"sha256": document.sha256}))
            with transaction.atomic():
                GeneratedDocument.objects.bulk_create(documents)
                record_events(events)
                DocumentBatch.objects.filter(pk=batch.pk).update(done=start + len(chunk))
    except Exception as exc:
        for name in stored:
            default_storage.delete(name)
        GeneratedDocument.objects.filter(file__in=stored).delete()
        DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=str(exc)[:500],
                                                         finished_at=timezone.now())
        raise
    DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def batch_interrupted(batch_id: int) -> None:
    """The worker died mid-batch: the batch is failed (the documents already stored stay valid and listed)."""
    DocumentBatch.objects.filter(pk=batch_id, status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING]).update(
        status=BatchStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now())


@transaction.atomic
def document_record_download(*, actor: User, instrument: Instrument, name: str) -> None:
    """Log a download of an instrument's file (a read worth tracing)."""
    record_event(object_type=OBJECT_TYPE, object_id=instrument.pk, action=Action.DOWNLOAD, actor=actor,
                 from_state=instrument.state, to_state=instrument.state, internal=True, payload={"file": name})


def template_replace(*, actor: User, kind: str, upload: UploadedFile, note: str = "") -> DocumentTemplate:
    """An administrator replaces a type's Word template: it must be a .docx that renders with the sample context."""
    if not actor.is_staff:
        raise PermissionRefused("只有系统管理员可以更换文书模板。")
    if kind not in Kind.values:
        raise ServiceError("请选择文书类型。", field="kind")
    data = upload.read()
    upload.seek(0)
    validate_template(data, upload.name or "")
    with files_removed_on_failure() as stored, transaction.atomic():
        DocumentTemplate.objects.filter(kind=kind, is_active=True).update(is_active=False)
        template = DocumentTemplate(
            kind=kind, stored_token=secrets.token_hex(16), original_name=(upload.name or "")[:200],
            content_type=content_type_for("x.docx"), size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor, uploaded_at=timezone.now(), note=note.strip())
        template.file.save(template.stored_token, ContentFile(data), save=False)
        stored.append(template.file.name)
        template.save()
        record_event(object_type=TEMPLATE_TYPE, object_id=template.pk, action=Action.TEMPLATE, actor=actor,
                     payload={"kind": kind, "sha256": template.sha256, "name": template.original_name})
        return template


def docx_bytes(document: GeneratedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# ---------------------------------------------------------------- accountability


def _accountability_org(actor: User) -> Organisation:
    for org in profile_of(actor).supervising:
        if commission_of(org, through_stationed_group=True) is not None:
            return org
    raise PermissionRefused("只有纪检监察机关的工作人员可以登记问责。")


def _org_region_path(org: Organisation) -> str:
    commission = commission_of(org, through_stationed_group=True)
    return (commission or org).region.path


def accountability_create(*, actor: User, form: str, decided_on: dt.date, summary: str,
                          persons: Sequence[dict] = (), organisations: Iterable[Organisation] = (),
                          problem_numbers: str = "", instrument_numbers: str = "", is_joint: bool = False,
                          joint_partners: Iterable[Organisation] = (), rectification_numbers: str = "",
                          clue_numbers: str = "") -> AccountabilityRecord:
    """登记问责: the form, the persons and organisations held accountable, and the problems, rectification items,
    clues and instruments behind it, in one transaction with its audit event. Each link is looked up among what the
    actor may see (clues through the clue access module: a blocked officer cannot link, nor learn of, a clue)."""
    org = _accountability_org(actor)
    if form not in Form.values:
        raise ServiceError("请选择问责方式。", field="form")
    if decided_on > _today():
        raise ServiceError("决定日期不能晚于今天。", field="decided_on")
    summary = _require(summary, "请填写问责事由。", "summary")
    organisations, partners = list(organisations), list(joint_partners)
    if not persons and not organisations:
        raise ServiceError("请填写被问责人员或被问责单位。", field="persons")
    if is_joint and form != Form.INTERVIEW:
        raise ServiceError("只有约谈可以联合进行。", field="is_joint")
    for person in persons:
        if not all(str(person.get(k) or "").strip() for k in ("name", "post", "organisation_name")):
            raise ServiceError("被问责人员须填写姓名、职务和所在单位。", field="persons")
        if person.get("rank") not in Rank.values:
            raise ServiceError(f"{person['name']}的职级无效。", field="persons")
    with transaction.atomic():
        problems = _problems(actor, problem_numbers)
        items = _named(visible_items(actor), rectification_numbers, noun="整改事项", field="rectification_numbers")
        clues = _named(visible_clues(actor).exclude(number=""), clue_numbers, noun="线索", field="clue_numbers")
        numbers = [n.strip() for n in re.split(r"[,，;；\n]+", instrument_numbers or "") if n.strip()]
        instruments = list(visible_instruments(actor).filter(number__in=numbers)) if numbers else []
        missing = set(numbers) - {i.number for i in instruments}
        if missing:
            raise ServiceError(f"未找到文书“{'、'.join(sorted(missing))}”，或您无权查看。", field="instrument_numbers")
        record = AccountabilityRecord.objects.create(
            form=form, is_joint=is_joint, org=org, region_path=_org_region_path(org), decided_on=decided_on,
            summary=summary, person_count=len(persons), created_by=actor, created_at=timezone.now())
        AccountablePerson.objects.bulk_create([AccountablePerson(
            record=record, name=p["name"].strip(), post=p["post"].strip(),
            organisation_name=p["organisation_name"].strip(), organisation=p.get("organisation"), rank=p["rank"])
            for p in persons])
        record.organisations.set(organisations)
        record.joint_partners.set(partners if is_joint else [])
        record.problems.set(problems)
        record.instruments.set(instruments)
        record.rectification_items.set(items)
        record.clues.set(clues)
        # Clue numbers stay out of the payload: the audit trail is read more widely than the clues are.
        record_event(object_type=RECORD_TYPE, object_id=record.pk, action=AccountabilityAction.CREATE, actor=actor,
                     actor_org=org, payload={"form": form, "persons": len(persons),
                                             "organisations": [o.name for o in organisations],
                                             "problems": [p.number for p in problems],
                                             "rectification_items": [i.number for i in items],
                                             "clues": len(clues)})
        return record


def exposure_batch_create(*, actor: User, title: str, published_on: dt.date,
                          records: Sequence[AccountabilityRecord]) -> ExposureBatch:
    """通报曝光: publish accountability records in a numbered batch (第N批 of the body's year)."""
    org = _accountability_org(actor)
    title = _require(title, "请填写通报标题。", "title")
    if not records:
        raise ServiceError("请选择要通报曝光的问责记录。", field="record_ids")
    exposed = [r for r in records if r.exposure_batch_id]
    if exposed:
        raise ServiceError(f"问责记录 {exposed[0].pk} 已在其他批次中通报。", field="record_ids")
    with transaction.atomic():
        year = published_on.year
        sequence = take_number(f"exposure:{org.pk}", year)
        batch = ExposureBatch.objects.create(org=org, region_path=_org_region_path(org), year=year,
                                             sequence=sequence, title=title, published_on=published_on,
                                             created_by=actor, created_at=timezone.now())
        updated = AccountabilityRecord.objects.filter(pk__in=[r.pk for r in records],
                                                      exposure_batch__isnull=True).update(exposure_batch=batch)
        if updated != len(records):
            raise ServiceError("所选问责记录已被其他批次通报，请刷新后重试。", field="record_ids")
        record_event(object_type=BATCH_TYPE, object_id=batch.pk, action=AccountabilityAction.BATCH, actor=actor,
                     actor_org=org, payload={"records": [r.pk for r in records], "sequence": sequence})
        record_events([EventSpec(object_type=RECORD_TYPE, object_id=r.pk, action=AccountabilityAction.EXPOSE,
                                 actor=actor, actor_org=org, payload={"batch": batch.pk}) for r in records])
        return batch

