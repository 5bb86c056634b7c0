"""Every change to a problem: permission, transition check, the write and its audit event, in one transaction."""
import dataclasses
import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from qingshan.access.crypto import encrypt, mask_name, mask_phone
from qingshan.access.problems import Capacity, capacity_for
from qingshan.audit.services import EventSpec, record_event, record_events
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.notices import Notice, notify
from qingshan.core.uploads import checked_sha256, content_type_for, files_removed_on_failure
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region, User, commission_of
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days, working_days_between

from . import audience
from .choices import TERMINAL_STATES, Action, AssignmentRole, AttachmentPurpose, EscalationLevel, ExtensionStatus, State
from .models import (
    Assignment,
    Attachment,
    Category,
    Extension,
    NumberCounter,
    Problem,
    Reporter,
    Share,
    Source,
    problems_bulk_created,
)
from .timelimits import rule_for
from .transitions import HANDLING_UNIT, LEAD_UNIT, LEADER, PARTNER, PROBLEM_ACTIONS, SUPERVISOR

OBJECT_TYPE = "problems.problem"


# ---------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def _locked(problem: Problem) -> Problem:
    """Re-read the problem under a row lock so concurrent actions cannot both pass the state check."""
    return Problem.objects.select_for_update(of=("self",)).select_related("lead_unit", "region").get(pk=problem.pk)


def _authorise(actor: User, problem: Problem, action: str) -> Capacity:
    """Check the action table for `action` now; raise a clear refusal otherwise. Changes nothing."""
    rule = PROBLEM_ACTIONS.check_state(action, problem.state, ServiceError)
    capacity = capacity_for(actor, problem)
    if rule.who == SUPERVISOR and capacity.supervisor_org is None:
        raise PermissionRefused(f"只有负责督办该问题的纪检监察机构人员可以{rule.label}。")
    if rule.who == LEAD_UNIT and capacity.lead_unit is None:
        raise PermissionRefused(f"只有该问题主办单位的经办人或负责人可以{rule.label}。")
    if rule.who == HANDLING_UNIT and capacity.lead_unit is None and capacity.co_unit is None:
        raise PermissionRefused(f"只有该问题承办单位的经办人或负责人可以{rule.label}。")
    if rule.who == LEADER and capacity.leader_org is None:
        raise PermissionRefused(f"只有对该问题有管辖权的委领导可以{rule.label}。")
    if rule.who == PARTNER and capacity.partner_org is None:
        raise PermissionRefused(f"只有该问题已移送的协作单位可以{rule.label}。")
    return capacity


def _may(capacity: Capacity, who: str) -> bool:
    """Whether someone in `capacity` is among the `who` of a rule."""
    return bool({
        SUPERVISOR: capacity.supervisor_org, LEAD_UNIT: capacity.lead_unit,
        HANDLING_UNIT: capacity.lead_unit or capacity.co_unit, LEADER: capacity.leader_org,
        PARTNER: capacity.partner_org,
    }.get(who))


def _move(problem: Problem, action: str) -> None:
    """Set the state the action table says `action` leads to."""
    problem.state = State(PROBLEM_ACTIONS.leads_to(action))


def allowed_actions(user: User, problem: Problem) -> list[str]:
    """The actions `user` may take on `problem` now, in table order (what the UI offers and the API accepts)."""
    capacity = capacity_for(user, problem)
    result = PROBLEM_ACTIONS.allowed(problem.state, lambda rule: _may(capacity, rule.who))
    if problem.escalation_level >= EscalationLevel.RED:
        result = [a for a in result if a != Action.LEADER_ESCALATE]  # red is the top of the scale
    pending = any(e.status == ExtensionStatus.PENDING for e in problem.extensions.all())
    if pending:
        result = [a for a in result if a != Action.REQUEST_EXTENSION]
    else:
        result = [a for a in result if a not in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION)]
    return result


def _require(text: str | None, message: str, field: str) -> str:
    if not text or not text.strip():
        raise ServiceError(message, field=field)
    return text.strip()


def _audit(problem: Problem, *, actor: User | None, capacity: Capacity | None, action: str, from_state: str,
           reason: str = "", payload: dict | None = None, internal: bool = False,
           org: Organisation | None = None) -> None:
    record_event(object_type=OBJECT_TYPE, object_id=problem.pk, action=action, actor=actor,
                 actor_org=org or (capacity.acting_org if capacity else None), from_state=from_state,
                 to_state=problem.state, reason=reason, payload=payload, internal=internal)


def _lapse_pending_extension(problem: Problem, now: dt.datetime, why: str) -> bool:
    """A pending extension was asked by one unit about one deadline: it lapses when the unit or the deadline goes.

    Otherwise it would wait in the supervisors' queue on a problem where nobody can decide it any more.
    """
    return bool(problem.extensions.filter(status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REJECTED, decided_at=now, decision_reason=why))


def _deadline(start: dt.date, days: int) -> dt.date:
    try:
        return add_working_days(start, days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc


def _next_number(year: int) -> str:
    return _next_numbers(year, 1)[0]


def _next_numbers(year: int, count: int) -> list[str]:
    """Reserve the next `count` numbers of `year` in one step (the counter stays locked until the transaction ends)."""
    last = _advance_counter(year, count)
    if last is None:  # the year's first number: create its counter (once, even when two race), then advance it
        NumberCounter.objects.get_or_create(year=year)
        last = _advance_counter(year, count)
    assert last is not None
    return [f"QS-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _advance_counter(year: int, count: int) -> int | None:
    """Add `count` to the year's counter and return its new value (None: the year has no counter yet). One statement
    where the database returns what it updated (PostgreSQL; SQLite from 3.35, as Django's flag for INSERT …
    RETURNING says), else the update and a read under the same write lock."""
    quote = connection.ops.quote_name
    table, last, year_column = quote(NumberCounter._meta.db_table), quote("last"), quote("year")
    advance = f"UPDATE {table} SET {last} = {last} + %s WHERE {year_column} = %s"
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{advance} RETURNING {last}", [count, year])
            row = cursor.fetchone()
            return row[0] if row else None
        cursor.execute(advance, [count, year])
        if not cursor.rowcount:
            return None
        cursor.execute(f"SELECT {last} FROM {table} WHERE {year_column} = %s", [year])
        return cursor.fetchone()[0]


def _supervising_org_for(actor: User, region: Region) -> Organisation:
    from qingshan.access.actors import profile_of

    profile = profile_of(actor)
    for org in profile.supervising:
        commission = commission_of(org)
        if commission is not None and region.path.startswith(commission.region.path):
            return org
    for org in profile.supervising:
        if org.kind == OrgKind.STATIONED_GROUP:
            return org
    raise PermissionRefused("只有纪检监察机构的工作人员可以在其管辖范围内登记问题。")


def _store_attachment(*, actor: User, org: Organisation | None, problem: Problem, upload: UploadedFile, purpose: str,
                      stored: list[str]) -> Attachment:
    """Save one checked upload; its storage name is added to `stored` so a failed service can remove it."""
    sha256 = checked_sha256(upload)
    attachment = Attachment(
        problem=problem, purpose=purpose, stored_token=secrets.token_hex(16), original_name=upload.name[:200],  # type: ignore[index]  # check_upload refuses a nameless file
        content_type=content_type_for(upload.name), size=upload.size,
        sha256=sha256, uploaded_by=actor, uploaded_by_org=org, uploaded_at=timezone.now(),
    )
    attachment.file.save(attachment.stored_token, upload, save=False)
    stored.append(attachment.file.name)
    attachment.save()
    return attachment


# ---------------------------------------------------------------- creation


def problem_create(*, actor: User, title: str, description: str, source: Source, category: Category, region: Region,
                   location: str = "", lng: Decimal | None = None, lat: Decimal | None = None, urgency: str = "normal",
                   reporter_name: str = "", reporter_phone: str = "", files: Iterable[UploadedFile] = (),
                   restricted_to: Iterable[User] = (), dispatch_to: Organisation | None = None,
                   dispatch_note: str = "", then: Callable[[Problem], Sequence[EventSpec]] | None = None) -> Problem:
    """Register a problem (登记). The registering supervisor's organisation becomes its supervising body.

    With `dispatch_to`, the problem is also dispatched (交办) to that lead unit at once, as problem_dispatch would do
    right after (same permission check, deadlines, assignment and audit event), but written in one save: machine
    intake registers and routes each alert this way.

    `then(problem)` runs after the problem is written, in the same transaction, and returns the events of what it
    did; they are appended to the audit chain together with the problem's own (one lock of the chain, not two)."""
    with files_removed_on_failure() as stored, transaction.atomic():
        return _create(actor=actor, title=title, description=description, source=source, category=category,
                       region=region, location=location, lng=lng, lat=lat, urgency=urgency,
                       reporter_name=reporter_name, reporter_phone=reporter_phone, files=files,
                       restricted_to=restricted_to, stored=stored, dispatch_to=dispatch_to,
                       dispatch_note=dispatch_note, then=then)


def _create(*, actor: User, title: str, description: str, source: Source, category: Category, region: Region,
            location: str, lng: Decimal | None, lat: Decimal | None, urgency: str, reporter_name: str,
            reporter_phone: str, files: Iterable[UploadedFile], restricted_to: Iterable[User],
            stored: list[str], dispatch_to: Organisation | None = None, dispatch_note: str = "",
            then: Callable[[Problem], Sequence[EventSpec]] | None = None) -> Problem:
    supervising_org = _supervising_org_for(actor, region)
    now = timezone.now()
    problem = Problem(
        title=_require(title, "请填写问题标题。", "title"),
        description=_require(description, "请填写问题描述。", "description"),
        source=source, category=category, region=region, region_path=region.path, location=location.strip(),
        lng=lng, lat=lat, urgency=urgency, state=State.RECEIVED, received_at=now, received_on=timezone.localdate(now),
        created_by=actor, supervising_org=supervising_org,
    )
    if (reporter_name or reporter_phone) and not (reporter_name.strip() and reporter_phone.strip()):
        raise ServiceError("来电人姓名和电话须同时填写。", field="reporter_phone")
    restricted = list(restricted_to)
    problem.is_restricted = bool(restricted)
    dispatch = None
    if dispatch_to is not None:
        if restricted:
            raise ServiceError("限定知悉范围的问题须先登记，再交办。")
        rule = PROBLEM_ACTIONS.check_state(Action.DISPATCH, problem.state, ServiceError)
        if rule.who != SUPERVISOR:
            raise PermissionRefused(f"只有负责督办该问题的纪检监察机构人员可以{rule.label}。")
        # The registering organisation supervises what it registers: capacity_for would name the same one (the
        # problem is not saved yet, so its relations cannot be read).
        capacity = Capacity(supervisor_org=supervising_org)
        _check_units(dispatch_to, ())
        _set_deadlines(problem, None)
        problem.lead_unit, problem.dispatched_at = dispatch_to, now
        problem.first_dispatched_at = now
        _move(problem, Action.DISPATCH)
        dispatch = capacity
    # The number last, just before the row is written: the counter stays locked until the transaction ends, and
    # every registration waits for it, so nothing that could be done before is done while holding it.
    problem.number = _next_number(timezone.localdate(now).year)
    problem.save()
    if dispatch is not None:
        Assignment.objects.create(problem=problem, unit=dispatch_to, role=AssignmentRole.LEAD, assigned_at=now)
    audience.fill_registered([problem])  # new: its lead unit at most, no partner, nothing to delete
    if restricted:
        problem.restricted_to.set([*restricted, actor])
    if reporter_name.strip():
        Reporter.objects.create(
            problem=problem, name_encrypted=encrypt(reporter_name.strip()),
            phone_encrypted=encrypt(reporter_phone.strip()), name_masked=mask_name(reporter_name),
            phone_masked=mask_phone(reporter_phone),
        )
    names = []
    for upload in files:
        names.append(_store_attachment(actor=actor, org=supervising_org, problem=problem, upload=upload,
                                       purpose=AttachmentPurpose.REGISTRATION, stored=stored).original_name)
    events = [EventSpec(object_type=OBJECT_TYPE, object_id=problem.pk, action=Action.CREATE, actor=actor,
                        actor_org=supervising_org, to_state=State.RECEIVED,
                        payload={"number": problem.number, "attachments": names,
                                 "restricted": problem.is_restricted})]
    if dispatch is not None:  # the same event problem_dispatch writes, in the same append
        events.append(EventSpec(
            object_type=OBJECT_TYPE, object_id=problem.pk, action=Action.DISPATCH, actor=actor,
            actor_org=dispatch.acting_org, from_state=State.RECEIVED, to_state=problem.state, reason=dispatch_note,
            payload={"lead_unit": str(dispatch_to), "co_units": [], "sign_deadline": str(problem.sign_deadline),
                     "handle_deadline": str(problem.handle_deadline)}))
    if then is not None:
        events.extend(then(problem))
    record_events(events)
    return problem


@dataclasses.dataclass(frozen=True)
class NewProblem:
    """One problem of a bulk registration (problems_register): problem_create's own arguments, less files,
    restriction and dispatch."""

    title: str
    description: str
    source: Source
    category: Category
    region: Region
    location: str = ""
    lng: Decimal | None = None
    lat: Decimal | None = None
    urgency: str = "normal"
    reporter_name: str = ""
    reporter_phone: str = ""


class ItemRefused(ServiceError):
    """One problem of a bulk registration was refused (`index` says which, `error` why); nothing was registered."""

    def __init__(self, index: int, error: ServiceError):
        super().__init__(error.message, field=error.field)
        self.index, self.error = index, error


BULK_BATCH = 2000  # rows an INSERT of problems_register carries


def problems_register(*, actor: User, items: Sequence[NewProblem],
                      then: Callable[[list[Problem]], None] | None = None) -> list[Problem]:
    """Register many problems in one transaction, all or none (bulk intake: a hotline's daily export).

    Each problem is what problem_create(actor=actor, **item) would register (the same checks in the same order,
    supervising body, number, encrypted reporter, audience, KPI fact and 登记 event), but written in batches: the
    numbers are reserved in one step, the rows inserted together and the events appended to the audit chain in
    one locked step. A refused item raises ItemRefused naming it.

    `then(problems)` runs after the problems are written and before the chain is locked, in the same transaction (a
    caller's own rows: the chain, which every audited change in the system waits for, stays locked only for the
    append and the commit)."""
    now = timezone.now()
    supervising: dict[int, Organisation] = {}
    problems: list[Problem] = []
    for index, item in enumerate(items):
        try:
            org = supervising.get(item.region.pk)
            if org is None:
                org = supervising[item.region.pk] = _supervising_org_for(actor, item.region)
            problems.append(Problem(
                title=_require(item.title, "请填写问题标题。", "title"),
                description=_require(item.description, "请填写问题描述。", "description"),
                source=item.source, category=item.category, region=item.region, region_path=item.region.path,
                location=item.location.strip(), lng=item.lng, lat=item.lat, urgency=item.urgency,
                state=State.RECEIVED, received_at=now, received_on=timezone.localdate(now), created_by=actor,
                supervising_org=org, is_restricted=False))
            if (item.reporter_name or item.reporter_phone) and not (item.reporter_name.strip()
                                                                    and item.reporter_phone.strip()):
                raise ServiceError("来电人姓名和电话须同时填写。", field="reporter_phone")
        except ServiceError as exc:
            raise ItemRefused(index, exc) from None
    if not problems:
        return []
    with transaction.atomic():
        for problem, number in zip(problems, _next_numbers(timezone.localdate(now).year, len(problems)),
                                   strict=True):
            problem.number = number
        Problem.objects.bulk_create(problems, batch_size=BULK_BATCH)
        audience.fill_registered(problems)
        Reporter.objects.bulk_create([
            Reporter(problem=problem, name_encrypted=encrypt(item.reporter_name.strip()),
                     phone_encrypted=encrypt(item.reporter_phone.strip()), name_masked=mask_name(item.reporter_name),
                     phone_masked=mask_phone(item.reporter_phone))
            for problem, item in zip(problems, items, strict=True) if item.reporter_name.strip()
        ], batch_size=BULK_BATCH)
        problems_bulk_created.send(sender=Problem, problem_ids=[p.pk for p in problems])
        if then is not None:
            then(problems)
        record_events([EventSpec(object_type=OBJECT_TYPE, object_id=problem.pk, action=Action.CREATE, actor=actor,
                                 actor_org=problem.supervising_org, to_state=State.RECEIVED,
                                 payload={"number": problem.number, "attachments": [], "restricted": False})
                       for problem in problems])
    return problems


# ---------------------------------------------------------------- dispatch and units


def _check_units(lead_unit: Organisation, co_units: Iterable[Organisation]) -> list[Organisation]:
    if lead_unit is None:
        raise ServiceError("请选择主办单位。", field="lead_unit")
    co = [u for u in co_units if u.pk != lead_unit.pk]
    for unit in [lead_unit, *co]:
        if unit.kind != OrgKind.UNIT or not unit.is_active:
            raise ServiceError(f"“{unit}”不是有效的责任单位。", field="lead_unit")
    return co


def _assign(problem: Problem, lead_unit: Organisation, co_units: Iterable[Organisation], now: dt.datetime,
            end_reason: str) -> None:
    # The column holds 200 characters; the whole reason is in the audit event.
    problem.assignments.filter(is_active=True).update(is_active=False, ended_at=now, end_reason=end_reason[:200])
    Assignment.objects.bulk_create(
        [Assignment(problem=problem, unit=lead_unit, role=AssignmentRole.LEAD, assigned_at=now)]
        + [Assignment(problem=problem, unit=u, role=AssignmentRole.CO, assigned_at=now) for u in co_units]
    )


def _set_deadlines(problem: Problem, handle_deadline: dt.date | None) -> None:
    rule = rule_for(problem)
    today = _today()
    problem.sign_deadline = _deadline(today, rule.sign_days)
    if handle_deadline is None:
        handle_deadline = _deadline(today, rule.handle_days)
    elif handle_deadline < today:
        raise ServiceError("办理期限不能早于今天。", field="handle_deadline")
    problem.handle_deadline = problem.original_handle_deadline = handle_deadline
    problem.signed_at = problem.signed_on_time = None


@PROBLEM_ACTIONS.performs(Action.DISPATCH)
@transaction.atomic
def problem_dispatch(*, actor: User, problem: Problem, lead_unit: Organisation, co_units: Iterable[Organisation] = (),
                     handle_deadline: dt.date | None = None, note: str = "") -> Problem:
    """Dispatch (交办) to a lead unit and co-units; deadlines in working days from today unless given."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.DISPATCH)
    co = _check_units(lead_unit, co_units)
    from_state, now = problem.state, timezone.now()
    _set_deadlines(problem, handle_deadline)
    _assign(problem, lead_unit, co, now, "重新交办")
    problem.lead_unit, problem.dispatched_at = lead_unit, now
    _move(problem, Action.DISPATCH)
    problem.first_dispatched_at = problem.first_dispatched_at or now
    problem.save()
    audience.refresh(problem)
    _audit(problem, actor=actor, capacity=capacity, action=Action.DISPATCH, from_state=from_state, reason=note,
           payload={"lead_unit": str(lead_unit), "co_units": [str(u) for u in co],
                    "sign_deadline": str(problem.sign_deadline), "handle_deadline": str(problem.handle_deadline)})
    return problem


@PROBLEM_ACTIONS.performs(Action.REASSIGN)
@transaction.atomic
def problem_reassign(*, actor: User, problem: Problem, lead_unit: Organisation, co_units: Iterable[Organisation] = (),
                     reason: str, handle_deadline: dt.date | None = None) -> Problem:
    """Reassign (改派) to another lead unit while a unit holds it; the clock starts again."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.REASSIGN)
    reason = _require(reason, "请填写改派理由。", "reason")
    co = _check_units(lead_unit, co_units)
    if lead_unit.pk == problem.lead_unit_id:
        raise ServiceError("新的主办单位与当前主办单位相同。", field="lead_unit")
    from_state, now, old = problem.state, timezone.now(), problem.lead_unit
    _set_deadlines(problem, handle_deadline)
    _assign(problem, lead_unit, co, now, f"改派：{reason}")
    lapsed = _lapse_pending_extension(problem, now, "问题已改派，原延期申请失效。")
    problem.lead_unit, problem.dispatched_at = lead_unit, now
    _move(problem, Action.REASSIGN)
    problem.reassign_count += 1
    problem.save()
    audience.refresh(problem)
    _audit(problem, actor=actor, capacity=capacity, action=Action.REASSIGN, from_state=from_state, reason=reason,
           payload={"from_unit": str(old), "lead_unit": str(lead_unit), "co_units": [str(u) for u in co],
                    "handle_deadline": str(problem.handle_deadline), "extension_lapsed": lapsed})
    return problem


@PROBLEM_ACTIONS.performs(Action.SIGN)
@transaction.atomic
def problem_sign(*, actor: User, problem: Problem, note: str = "") -> Problem:
    """Sign for (签收) a dispatched problem, with an optional note; whether it was on time is frozen now."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.SIGN)
    from_state = problem.state
    _move(problem, Action.SIGN)
    problem.signed_at = timezone.now()
    problem.signed_on_time = _today() <= problem.sign_deadline
    problem.save()
    _audit(problem, actor=actor, capacity=capacity, action=Action.SIGN, from_state=from_state,
           reason=(note or "").strip(), payload={"on_time": problem.signed_on_time})
    return problem


@PROBLEM_ACTIONS.performs(Action.RETURN)
@transaction.atomic
def problem_return(*, actor: User, problem: Problem, reason: str) -> Problem:
    """Return (退回) as not this unit's remit, with the basis; the supervisor then re-dispatches it."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.RETURN)
    reason = _require(reason, "退回须说明不属于本单位职责的依据。", "reason")
    from_state, now = problem.state, timezone.now()
    problem.assignments.filter(is_active=True).update(is_active=False, ended_at=now, end_reason=f"退回：{reason}"[:200])
    lapsed = _lapse_pending_extension(problem, now, "问题已退回，原延期申请失效。")
    _move(problem, Action.RETURN)
    problem.lead_unit = None
    problem.reassign_count += 1
    problem.save()
    audience.refresh(problem)
    _audit(problem, actor=actor, capacity=capacity, action=Action.RETURN, from_state=from_state, reason=reason,
           payload={"unit": str(capacity.lead_unit), "extension_lapsed": lapsed})
    return problem


@PROBLEM_ACTIONS.performs(Action.START)
@transaction.atomic
def problem_start(*, actor: User, problem: Problem, note: str = "") -> Problem:
    """Start handling (开始办理) a signed problem."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.START)
    from_state = problem.state
    _move(problem, Action.START)
    problem.save()
    _audit(problem, actor=actor, capacity=capacity, action=Action.START, from_state=from_state, reason=note)
    return problem


# ---------------------------------------------------------------- extensions


@PROBLEM_ACTIONS.performs(Action.REQUEST_EXTENSION)
@transaction.atomic
def problem_request_extension(*, actor: User, problem: Problem, requested_deadline: dt.date, reason: str) -> Extension:
    """Ask to move the handling deadline; allowed only up to the configured working days before it expires."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.REQUEST_EXTENSION)
    reason = _require(reason, "请填写延期理由。", "reason")
    if problem.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ServiceError("已有一项延期申请待审批，不能重复申请。")
    if requested_deadline is None or requested_deadline <= problem.handle_deadline:
        raise ServiceError("申请延至的日期须晚于当前办理期限。", field="requested_deadline")
    notice = rule_for(problem).extension_notice_days
    try:
        left = working_days_between(_today(), problem.handle_deadline)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc
    if left < notice:
        raise ServiceError(f"延期须在办理期限届满前至少 {notice} 个工作日提出（期限：{problem.handle_deadline}）。")
    extension = Extension.objects.create(
        problem=problem, requested_by=actor, requested_at=timezone.now(), old_deadline=problem.handle_deadline,
        requested_deadline=requested_deadline, reason=reason,
    )
    _audit(problem, actor=actor, capacity=capacity, action=Action.REQUEST_EXTENSION, from_state=problem.state,
           reason=reason, payload={"requested_deadline": str(requested_deadline)})
    return extension


@PROBLEM_ACTIONS.performs(Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION)
@transaction.atomic
def problem_decide_extension(*, actor: User, problem: Problem, approve: bool, reason: str = "",
                             deadline: dt.date | None = None) -> Extension:
    """Approve (with the requested or another later date) or refuse the pending extension."""
    problem = _locked(problem)
    action = Action.APPROVE_EXTENSION if approve else Action.REJECT_EXTENSION
    capacity = _authorise(actor, problem, action)
    extension = problem.extensions.select_for_update().filter(status=ExtensionStatus.PENDING).first()
    if extension is None:
        raise ServiceError("该问题没有待审批的延期申请。")
    if not approve:
        reason = _require(reason, "不予延期须说明理由。", "reason")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by, extension.decided_at, extension.decision_reason = actor, timezone.now(), reason.strip()
    payload = {}
    if approve:
        new_deadline = deadline or extension.requested_deadline
        if new_deadline <= problem.handle_deadline:
            raise ServiceError("批准的期限须晚于当前办理期限。", field="deadline")
        payload = {"old_deadline": str(problem.handle_deadline), "new_deadline": str(new_deadline)}
        problem.handle_deadline = new_deadline
        problem.save(update_fields=["handle_deadline", "updated_at"])
    extension.save()
    _audit(problem, actor=actor, capacity=capacity, action=action, from_state=problem.state, reason=reason,
           payload=payload)
    return extension


# ---------------------------------------------------------------- reply and review


@PROBLEM_ACTIONS.performs(Action.REPLY)
def problem_reply(*, actor: User, problem: Problem, text: str, files: Iterable[UploadedFile] = ()) -> Problem:
    """Reply (申请办结) with what was done and at least one piece of evidence."""
    with files_removed_on_failure() as stored, transaction.atomic():
        problem = _locked(problem)
        capacity = _authorise(actor, problem, Action.REPLY)
        text = _require(text, "请填写办理情况。", "text")
        files = list(files)
        has_evidence = problem.attachments.filter(purpose=AttachmentPurpose.EVIDENCE).exists()
        if not files and not has_evidence:
            raise ServiceError("申请办结须上传至少一份佐证材料（照片、文件等）。", field="files")
        names = [_store_attachment(actor=actor, org=capacity.lead_unit, problem=problem, upload=f,
                                   purpose=AttachmentPurpose.EVIDENCE, stored=stored).original_name for f in files]
        from_state = problem.state
        _move(problem, Action.REPLY)
        problem.reply_text, problem.replied_at = text, timezone.now()
        problem.replied_on_time = _today() <= problem.handle_deadline
        problem.save()
        _audit(problem, actor=actor, capacity=capacity, action=Action.REPLY, from_state=from_state, reason=text,
               payload={"attachments": names, "on_time": problem.replied_on_time})
        return problem


@PROBLEM_ACTIONS.performs(Action.APPROVE, Action.APPROVE_STAGE, Action.REJECT)
@transaction.atomic
def problem_review(*, actor: User, problem: Problem, decision: str, comment: str = "",
                   internal: bool = False) -> Problem:
    """Review a reply: approve (办结), approve as stage-closed (阶段性办结) or reject (发回重办, comment required).

    An internal comment is kept in an internal event of its own, shown only to the supervising side, never to the
    unit; the decision itself stays visible to the unit.
    """
    if decision not in (Action.APPROVE, Action.APPROVE_STAGE, Action.REJECT):
        raise ServiceError("审核结论无效。", field="decision")
    problem = _locked(problem)
    capacity = _authorise(actor, problem, decision)
    if decision == Action.REJECT:
        comment = _require(comment, "发回重办须写明理由。", "comment")
    from_state = problem.state
    problem.review_count += 1
    _move(problem, decision)
    if decision == Action.REJECT:
        problem.rejection_count += 1
        # The rejected reply no longer meets the deadline: the clock runs on until the next reply.
        problem.replied_at = problem.replied_on_time = None
    else:
        problem.closed_at = timezone.now()
        # "On time" is whether the approved reply came in by the deadline, frozen now.
        problem.closed_on_time = bool(problem.replied_on_time)
        _lapse_pending_extension(problem, problem.closed_at, "问题已办结，延期申请失效。")
    problem.save()
    # "Internal" hides the comment, not the decision: the unit must still see that it was closed or sent back.
    comment = comment.strip()
    _audit(problem, actor=actor, capacity=capacity, action=decision, from_state=from_state,
           reason="" if internal else comment,
           payload={"on_time": problem.closed_on_time} if decision != Action.REJECT else {})
    if internal and comment:
        _audit(problem, actor=actor, capacity=capacity, action=Action.COMMENT, from_state=problem.state,
               reason=comment, internal=True, payload={"decision": decision})
    return problem


@PROBLEM_ACTIONS.performs(Action.REVISIT)
@transaction.atomic
def problem_revisit(*, actor: User, problem: Problem, satisfied: bool, resolved: bool, note: str = "") -> Problem:
    """Record the follow-up visit or call (回访) with the reporter's satisfaction and whether it is resolved."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.REVISIT)
    from_state = problem.state
    _move(problem, Action.REVISIT)
    problem.revisit_satisfied, problem.revisit_resolved = satisfied, resolved
    problem.save()
    _audit(problem, actor=actor, capacity=capacity, action=Action.REVISIT, from_state=from_state, reason=note,
           payload={"satisfied": satisfied, "resolved": resolved})
    return problem


# ---------------------------------------------------------------- side steps


@PROBLEM_ACTIONS.performs(Action.URGE)
@transaction.atomic
def problem_urge(*, actor: User, problem: Problem, note: str) -> Problem:
    """Urge (催办) the lead unit; counted on the problem."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.URGE)
    note = _require(note, "请填写催办内容。", "note")
    problem.urge_count += 1
    problem.save(update_fields=["urge_count", "updated_at"])
    _audit(problem, actor=actor, capacity=capacity, action=Action.URGE, from_state=problem.state, reason=note,
           payload={"count": problem.urge_count})
    return problem


@PROBLEM_ACTIONS.performs(Action.ESCALATE)
@transaction.atomic
def problem_escalate(*, actor: User | None, problem: Problem, level: int, reason: str) -> Problem:
    """Escalate (督办) to a colour level; levels only go up. `actor=None` is the system under a reminder rule."""
    problem = _locked(problem)
    if actor is None:
        # The reminder engine escalates on a configured rule: no person, so no capacity; the state must still allow.
        PROBLEM_ACTIONS.check_state(Action.ESCALATE, problem.state, ServiceError)
        capacity = None
    else:
        capacity = _authorise(actor, problem, Action.ESCALATE)
    _raise_level(problem, actor=actor, capacity=capacity, action=Action.ESCALATE, level=level, reason=reason)
    return problem


def _raise_level(problem: Problem, *, actor: User | None, capacity: Capacity | None, action: str, level: int,
                 reason: str, org: Organisation | None = None) -> int:
    """Raise the problem's 督办 level (only upwards) and record it; returns the level it had."""
    reason = _require(reason, "请填写督办理由。", "reason")
    if level not in EscalationLevel.values or level <= problem.escalation_level:
        raise ServiceError("督办等级只能提高。", field="level")
    old = problem.escalation_level
    problem.escalation_level = level
    problem.save(update_fields=["escalation_level", "updated_at"])
    _audit(problem, actor=actor, capacity=capacity, action=action, from_state=problem.state, reason=reason,
           payload={"from_level": old, "level": level, "label": EscalationLevel(level).label}, org=org)
    return old


@PROBLEM_ACTIONS.performs(Action.MERGE)
@transaction.atomic
def problem_merge(*, actor: User, duplicate: Problem, primary: Problem, reason: str) -> Problem:
    """Merge a duplicate (并单) into a primary problem; both stay and are linked both ways."""
    if duplicate.pk == primary.pk:
        raise ServiceError("不能将问题并入其自身。", field="primary")
    first, second = sorted([duplicate.pk, primary.pk])
    locked = {p.pk: p for p in Problem.objects.select_for_update(of=("self",)).filter(pk__in=[first, second])
              .select_related("lead_unit", "region")}
    duplicate, primary = locked[duplicate.pk], locked[primary.pk]
    capacity = _authorise(actor, duplicate, Action.MERGE)
    reason = _require(reason, "请填写并单理由。", "reason")
    if primary.state == State.MERGED:
        raise ServiceError(f"问题 {primary.number} 本身已并入其他问题，请并入主问题。", field="primary")
    if capacity_for(actor, primary).supervisor_org is None:
        raise PermissionRefused("您无权督办目标问题，不能并单。")
    from_state, now = duplicate.state, timezone.now()
    _move(duplicate, Action.MERGE)
    duplicate.merged_into = primary
    duplicate.assignments.filter(is_active=True).update(is_active=False, ended_at=now, end_reason="并单")
    _lapse_pending_extension(duplicate, now, "问题已并单，延期申请失效。")
    duplicate.save()
    audience.refresh(duplicate)
    _audit(duplicate, actor=actor, capacity=capacity, action=Action.MERGE, from_state=from_state, reason=reason,
           payload={"primary": primary.number})
    _audit(primary, actor=actor, capacity=capacity, action=Action.MERGE, from_state=primary.state, reason=reason,
           payload={"duplicate": duplicate.number})
    return duplicate


@transaction.atomic
def problem_share(*, actor: User, problem: Problem, partner: Organisation, reason: str,
                  feedback_deadline: dt.date | None = None) -> Share:
    """Let a partner body see the whole problem (checked and audited as the 移送协作单位 step). Only a part of that
    step: the step itself, the action table's SHARE, is collaboration's problem_share_transfer, which sends the
    transfer (receipt, feedback deadline, chasing) through this; it passes the deadline it checked, for the
    timeline."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.SHARE)
    reason = _require(reason, "请填写移送理由。", "reason")
    if partner.kind != OrgKind.PARTNER:
        raise ServiceError(f"“{partner}”不是协作单位。", field="partner")
    if problem.shares.filter(partner=partner).exists():
        raise ServiceError(f"该问题已移送给“{partner}”。", field="partner")
    share = Share.objects.create(problem=problem, partner=partner, shared_by=actor, shared_at=timezone.now(),
                                 reason=reason)
    audience.refresh(problem)
    payload = {"partner": str(partner)}
    if feedback_deadline is not None:
        payload["feedback_deadline"] = feedback_deadline.isoformat()
    _audit(problem, actor=actor, capacity=capacity, action=Action.SHARE, from_state=problem.state, reason=reason,
           payload=payload)
    return share


@PROBLEM_ACTIONS.performs(Action.TRANSFER_CLUE)
@transaction.atomic
def problem_transfer_clue(*, actor: User, problem: Problem, reported_unit: Organisation, reported_name: str,
                          reason: str) -> Problem:
    """移送 to the discipline loop: the commission over the problem receives a clue; the transfer is a record of its
    own (clues.ProblemTransfer) and both sides' logs say so. The problem's own event is internal (no unit sees it)."""
    from qingshan.clues.services import problem_transfer_to_clue

    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.TRANSFER_CLUE)
    transfer = problem_transfer_to_clue(actor=actor, problem=problem, reported_unit=reported_unit,
                                        reported_name=reported_name, reason=reason)
    _audit(problem, actor=actor, capacity=capacity, action=Action.TRANSFER_CLUE, from_state=problem.state,
           reason=transfer.reason, internal=True, payload={"clue": transfer.clue.intake_ref})
    return problem


@PROBLEM_ACTIONS.performs(Action.RESTRICT)
@transaction.atomic
def problem_restrict(*, actor: User, problem: Problem, users: Iterable, reason: str) -> Problem:
    """Restrict the problem to named people (the actor stays among them), or lift it with an empty list."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.RESTRICT)
    reason = _require(reason, "请填写限定知悉范围的理由。", "reason")
    people = list(users)
    problem.is_restricted = bool(people)
    problem.save(update_fields=["is_restricted", "updated_at"])
    audience.refresh(problem)  # the audience rows carry the flag the scoped lists and counts read
    problem.restricted_to.set([*people, actor] if people else [])
    _audit(problem, actor=actor, capacity=capacity, action=Action.RESTRICT, from_state=problem.state, reason=reason,
           internal=True, payload={"people": sorted(str(u) for u in people)})
    return problem


# ---------------------------------------------------------------- leaders, progress and partners (issue 15)


def _handlers(problem: Problem) -> set[int]:
    """Who must act on what a leader says: the lead unit's people and the supervising office's staff."""
    from .deadlines import supervisor_recipients, unit_recipients

    return set(unit_recipients([problem]).get(problem.pk, ())) | set(
        supervisor_recipients([problem]).get(problem.pk, ()))


def _office(problem: Problem) -> set[int]:
    """The supervising office's staff, who follow what units and partners report."""
    from .deadlines import supervisor_recipients

    return set(supervisor_recipients([problem]).get(problem.pk, ()))


def _notify(problem: Problem, *, kind: str, text: str, users: set[int], actor: User, urgent: bool) -> None:
    from .deadlines import problem_url

    notify(Notice(kind=kind, object_id=problem.pk, deadline=problem.handle_deadline or _today(),
                  url=problem_url(problem), note=text[:300], user_ids=users - {actor.pk}, urgent=urgent))


@PROBLEM_ACTIONS.performs(Action.INSTRUCT)
@transaction.atomic
def problem_instruct(*, actor: User, problem: Problem, text: str) -> Problem:
    """A commission leader's instruction (批示): on the timeline, and sent at once to the handlers."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.INSTRUCT)
    text = _require(text, "请填写批示内容。", "text")
    _audit(problem, actor=actor, capacity=capacity, action=Action.INSTRUCT, from_state=problem.state, reason=text,
           org=capacity.leader_org)
    _notify(problem, kind="problems.instruction", text=f"{actor}批示：{text}", users=_handlers(problem), actor=actor,
            urgent=True)
    return problem


@PROBLEM_ACTIONS.performs(Action.LEADER_ESCALATE)
@transaction.atomic
def problem_leader_escalate(*, actor: User, problem: Problem, level: int, reason: str) -> Problem:
    """A commission leader raises the 督办 level explicitly; the handlers are told at once."""
    problem = _locked(problem)
    capacity = _authorise(actor, problem, Action.LEADER_ESCALATE)
    _raise_level(problem, actor=actor, capacity=capacity, action=Action.LEADER_ESCALATE, level=level, reason=reason,
                 org=capacity.leader_org)
    label = EscalationLevel(problem.escalation_level).label
    _notify(problem, kind="problems.leader_escalation", text=f"{actor}提级为{label}：{reason.strip()}",
            users=_handlers(problem), actor=actor, urgent=True)
    return problem


@PROBLEM_ACTIONS.performs(Action.PROGRESS)
def problem_progress(*, actor: User, problem: Problem, text: str, files: Iterable[UploadedFile] = ()) -> Problem:
    """A handling unit's interim progress (进展) with files; neither an extension nor a reply. The office is told."""
    return _report(actor=actor, problem=problem, action=Action.PROGRESS, text=text, files=files,
                   purpose=AttachmentPurpose.PROGRESS, org=lambda c: c.lead_unit or c.co_unit,
                   missing="请填写进展情况。", kind="problems.progress", says="报送进展")


@PROBLEM_ACTIONS.performs(Action.PARTNER_REPLY)
def problem_partner_reply(*, actor: User, problem: Problem, text: str,
                          files: Iterable[UploadedFile] = ()) -> Problem:
    """The partner body's reply on a problem transferred to it: its result and files. The office is told."""
    return _report(actor=actor, problem=problem, action=Action.PARTNER_REPLY, text=text, files=files,
                   purpose=AttachmentPurpose.PARTNER_REPLY, org=lambda c: c.partner_org,
                   missing="请填写办理结果。", kind="problems.partner_reply", says="回复")


def _report(*, actor: User, problem: Problem, action: str, text: str, files: Iterable[UploadedFile], purpose: str,
            org: Callable[[Capacity], Organisation | None], missing: str, kind: str, says: str) -> Problem:
    """A text with files that changes no state (a unit's 进展, a partner's reply): recorded, filed under the action's
    purpose, and sent to the office's inboxes; all or nothing, files included."""
    with files_removed_on_failure() as stored, transaction.atomic():
        problem = _locked(problem)
        capacity = _authorise(actor, problem, action)
        text = _require(text, missing, "text")
        acting = org(capacity)
        names = [_store_attachment(actor=actor, org=acting, problem=problem, upload=f, purpose=purpose,
                                   stored=stored).original_name for f in files]
        _audit(problem, actor=actor, capacity=capacity, action=action, from_state=problem.state, reason=text,
               payload={"attachments": names}, org=acting)
        _notify(problem, kind=kind, text=f"{acting}{says}：{text}", users=_office(problem), actor=actor,
                urgent=False)
        return problem


def attachment_add(*, actor: User, problem: Problem, upload: UploadedFile, purpose: str = AttachmentPurpose.OTHER
                   ) -> Attachment:
    """Add a file to an open problem: its supervisor or a unit working on it may."""
    with files_removed_on_failure() as stored, transaction.atomic():
        problem = _locked(problem)
        capacity = capacity_for(actor, problem)
        if capacity.acting_org is None:
            raise PermissionRefused("只有督办人员或承办单位可以上传附件。")
        # Evidence is judged at review: once closed (or merged), the record is what was reviewed.
        if problem.state in TERMINAL_STATES:
            raise ServiceError(f"问题当前状态为“{State(problem.state).label}”，已不能再上传附件。")
        attachment = _store_attachment(actor=actor, org=capacity.acting_org, problem=problem, upload=upload,
                                       purpose=purpose, stored=stored)
        _audit(problem, actor=actor, capacity=capacity, action=Action.ATTACH, from_state=problem.state,
               payload={"name": attachment.original_name, "purpose": purpose})
        return attachment


@transaction.atomic
def attachment_record_download(*, actor: User, attachment: Attachment) -> None:
    """Log a download of an attachment (a sensitive read)."""
    capacity = capacity_for(actor, attachment.problem)
    record_event(object_type=OBJECT_TYPE, object_id=attachment.problem_id, action=Action.DOWNLOAD, actor=actor,
                 actor_org=capacity.acting_org, from_state=attachment.problem.state,
                 to_state=attachment.problem.state, internal=True, payload={"attachment": attachment.original_name})
