"""Every change to a clue: permission, transition check, the write and its audit event, in one transaction.

Nothing here hands reporter data to anything that leaves the commission: the letter and the transfer documents are
built in documents.py from the clue's own fields, and the vault is written here and read only by access.clues.
"""
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from qingshan.access.clues import (
    OBJECT_TYPE,
    Capacity,
    blocked_units,
    capacity_for,
    circle_of,
    handlers_of,
    recipients_among,
)
from qingshan.access.crypto import encrypt, mask_name
from qingshan.audit.services import record_event
from qingshan.core.choices import JobStatus
from qingshan.core.errors import PermissionRefused, ServiceError, stated_reason
from qingshan.core.notices import Notice, notify
from qingshan.core.numbering import take_number
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, User, commission_of
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from .choices import Action, Disposal, JobKind, NoticeKind, NoticeStatus, Outcome, Source, State
from .models import (
    Clue,
    ClueJob,
    InquiryLetter,
    Objection,
    ProblemTransfer,
    QuarterDue,
    QuarterReport,
    ReporterNotice,
    ReporterVault,
)
from .timelimits import days
from .transitions import ANGUAN, CLUE_ACTIONS, LEADER, LOWER, TEAM, XINFANG

if TYPE_CHECKING:  # the problems app calls in with its problem; the type only, no import at run time
    from qingshan.problems.models import Problem

WHO_REFUSALS = {
    XINFANG: "只有受理该线索的纪委监委信访室人员可以{label}。",
    ANGUAN: "只有受理该线索的纪委监委案管室人员可以{label}。",
    TEAM: "只有该线索的承办部门人员可以{label}。",
    LEADER: "只有受理该线索的纪委监委领导可以{label}。",
    LOWER: "只有接收下转的下级纪委监委人员可以{label}。",
}


# ---------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def _deadline(start: dt.date, limit: str) -> dt.date:
    try:
        return add_working_days(start, days(limit))
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc


def _may(capacity: Capacity, who: str) -> bool:
    return bool({XINFANG: capacity.xinfang, ANGUAN: capacity.anguan, TEAM: capacity.team, LEADER: capacity.leader,
                 LOWER: capacity.lower}.get(who))


def _locked(clue: Clue) -> Clue:
    """Re-read the clue under a row lock so concurrent actions cannot both pass the state check."""
    return Clue.objects.select_for_update(of=("self",)).select_related("commission", "assigned_org").get(pk=clue.pk)


def _authorise(actor: User, clue: Clue, action: str) -> Capacity:
    """Check the action table for `action` now; raise a clear refusal otherwise. Changes nothing."""
    rule = CLUE_ACTIONS.check_state(action, clue.state, ServiceError)
    capacity = capacity_for(actor, clue)
    if not _may(capacity, rule.who):
        raise PermissionRefused(WHO_REFUSALS[rule.who].format(label=rule.label))
    return capacity


def _org(capacity: Capacity, who: str) -> Organisation | None:
    return {XINFANG: capacity.xinfang, ANGUAN: capacity.anguan, TEAM: capacity.team, LEADER: capacity.leader,
            LOWER: capacity.lower}.get(who)


def _audit(clue: Clue, *, actor: User | None, org: Organisation | None, action: str, from_state: str,
           reason: str = "", payload: dict | None = None) -> None:
    # Every event of a clue is internal: the audit views never show it outside the commission.
    record_event(object_type=OBJECT_TYPE, object_id=clue.pk, action=action, actor=actor, actor_org=org,
                 from_state=from_state, to_state=clue.state, reason=reason, payload=payload, internal=True)


def _act(actor: User, clue: Clue, action: str, change: Callable[[Clue, Capacity], None], *, reason: str = "",
         payload: dict | None = None) -> Clue:
    """The common shape of an action: lock, authorise, `change(clue, capacity)`, move, save, audit; one transaction."""
    CLUE_ACTIONS.check_state(action, clue.state, ServiceError)  # cheap first answer; checked again under the lock
    with transaction.atomic():
        locked = _locked(clue)
        capacity = _authorise(actor, locked, action)
        if locked.minimal and action != Action.FORWARD_UP_SENT:
            raise ServiceError("该线索反映本级主要负责人，只留存最少信息，只能上交上级。")
        from_state = locked.state
        rule = CLUE_ACTIONS[action]
        change(locked, capacity)
        if rule.to_state is not None:
            locked.state = rule.to_state
        locked.save()
        _audit(locked, actor=actor, org=_org(capacity, rule.who), action=action, from_state=from_state,
               reason=reason, payload=payload)
    clue.refresh_from_db()
    return clue


def _text(value: str | None, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field=field)
    return value


def _past_or_today(day: dt.date | None, what: str, field: str) -> dt.date:
    if day is None:
        raise ServiceError(f"请填写{what}。", field=field)
    if day > _today():
        raise ServiceError(f"{what}不能晚于今天。", field=field)
    return day


def _number(commission: Organisation, series: str, word: str, year: int) -> tuple[int, str]:
    seq = take_number(f"{series}:{commission.pk}", year)
    return seq, f"{commission.short_name or commission.name}{word}〔{year}〕{seq}号"


def _close(clue: Clue, outcome: str, today: dt.date) -> None:
    clue.outcome = outcome
    clue.closed_on = today
    if clue.is_real_name:
        clue.result_notice_due = _deadline(today, "result_notice")
    if clue.assigned_org_id is not None:
        _owe_quarter_report(clue.assigned_org_id, today)


def _owe_quarter_report(office_id: int, closed_on: dt.date) -> None:
    """The office closed a clue: it owes 信访室 that quarter's report-back (one row per office and quarter, in the
    closing transaction), due QUARTER_REPORT_DAYS after the quarter ends; the reminder engine watches it."""
    from . import quarters
    from .timelimits import QUARTER_REPORT_DAYS

    year, quarter = quarters.of(closed_on)
    due_on = quarters.bounds(year, quarter)[1] + dt.timedelta(days=QUARTER_REPORT_DAYS)
    QuarterDue.objects.get_or_create(office_id=office_id, year=year, quarter=quarter, defaults={"due_on": due_on})


def _notify_team(clue: Clue, note: str) -> None:
    """Tell the assigned team that a clue waits for them, never anyone blocked from it (after the write)."""
    if clue.assigned_org_id is None:
        return
    from qingshan.orgs.models import Membership

    members = set(Membership.objects.filter(organisation_id=clue.assigned_org_id, is_active=True)
                  .values_list("user_id", flat=True))
    users = recipients_among(members, clue)
    if users:
        notify(Notice(kind="clues.assigned", object_id=clue.pk, deadline=_today(), user_ids=users, note=note,
                      urgent=False))


def allowed_actions(user: User, clue: Clue) -> list[str]:
    """The actions `user` may take on `clue` now, in table order (what the page offers)."""
    capacity = capacity_for(user, clue)
    allowed = CLUE_ACTIONS.allowed(clue.state, lambda rule: _may(capacity, rule.who))
    hidden = set()
    if clue.state == State.STUDIED:  # only the approval of what was proposed and studied, by the named leader
        hidden |= {code for code in allowed if code.startswith("approve_")
                   and CLUE_ACTIONS[code].fixed.get("disposal") != clue.proposed_disposal}
        if user.pk != clue.signing_leader_id:
            hidden |= {code for code in allowed if CLUE_ACTIONS[code].who == LEADER}
    if not clue.is_real_name or clue.acceptance_notified_on:
        hidden.add(Action.NOTIFY_ACCEPTANCE)
    if not clue.is_real_name or clue.result_notified_on:
        hidden.add(Action.NOTIFY_RESULT)
    if clue.minimal:
        hidden |= {Action.TRANSFER_DOWN, Action.ACCEPT, Action.MARK_DUPLICATE, Action.NOT_ACCEPT}
    return [code for code in allowed if code not in hidden]


# ---------------------------------------------------------------- intake


@transaction.atomic
def clue_create(*, actor: User, source: str, received_on: dt.date, reported_unit: Organisation,
                reported_name: str, summary: str = "", reported_post: str = "", reported_person: User | None = None,
                is_real_name: bool = False, about_principal_leader: bool = False, reporter_name: str = "",
                reporter_unit: str = "", reporter_address: str = "", reporter_phone: str = "",
                reporter_id_number: str = "", original_text: str = "", commission: Organisation | None = None,
                transfer_reason: str = "") -> Clue:
    """登记线索 by 信访 (or a district commission's staff): the clue, and the reporter in the encrypted vault."""
    circle = circle_of(actor)
    blocked = blocked_units(actor)
    if commission is None:
        if not circle.xinfang:
            raise PermissionRefused("只有信访室人员可以登记问题线索。")
        commission = Organisation.objects.get(pk=min(circle.xinfang))
    elif commission.pk not in circle.xinfang and source != Source.TRANSFER:
        raise PermissionRefused("只有该纪委监委信访室人员可以登记问题线索。")
    if source not in Source.values:
        raise ServiceError("请选择线索来源。", field="source")
    received_on = _past_or_today(received_on, "收件日期", "received_on")
    if reported_unit.kind in (OrgKind.COMMISSION, OrgKind.OFFICE) and not about_principal_leader \
            and reported_unit.pk in blocked:
        raise ServiceError("反映本机关的线索须按规定上交上级纪委监委：请勾选“反映本级纪委监委主要负责人”。",
                           field="reported_unit")
    if reported_unit.pk in blocked and not about_principal_leader:
        raise ServiceError("您所在单位即被反映单位或其上级，须回避，不能登记该线索。", field="reported_unit")
    if reported_person is not None and reported_person.pk == actor.pk:
        raise ServiceError("被反映人为本人，须回避，不能登记该线索。", field="reported_name")
    year = received_on.year
    seq = take_number(f"clue-intake:{commission.pk}", year)
    clue = Clue(commission=commission, intake_ref=f"收{commission.region.code}-{year}-{seq:05d}", source=source,
                received_on=received_on, reported_unit=reported_unit, created_by=actor)
    if about_principal_leader:
        # Straight up, and nothing of its content kept here beyond minimal metadata.
        clue.minimal = True
        clue.reported_name = "本级纪委监委主要负责人"
        clue.summary = "（反映本级纪委监委主要负责人，按规定直接上交，本级不留存内容）"
        clue.state = State.UP_PENDING
        clue.forward_due = _deadline(received_on, "forward_up")
        clue.save()
        _audit(clue, actor=actor, org=commission, action=Action.CREATE, from_state="")
        return clue
    clue.reported_name = _text(reported_name, "请填写被反映人。", "reported_name")
    clue.reported_post = (reported_post or "").strip()
    clue.reported_person = reported_person
    clue.summary = _text(summary, "请填写主要问题摘要。", "summary")
    clue.is_real_name = bool(is_real_name)
    if clue.is_real_name and not (reporter_name or "").strip():
        raise ServiceError("实名举报须填写举报人姓名。", field="reporter_name")
    clue.save()
    fields = {"name": reporter_name, "unit": reporter_unit, "address": reporter_address, "phone": reporter_phone,
              "id_number": reporter_id_number, "text": original_text}
    if any((v or "").strip() for v in fields.values()):
        name = (reporter_name or "").strip()
        masked = f"{mask_name(name) if name else '匿名'}（{'实名' if clue.is_real_name else '匿名'}）"
        ReporterVault.objects.create(clue=clue, masked=masked, **{
            f"{k}_encrypted": encrypt(v.strip()) if (v or "").strip() else "" for k, v in fields.items()})
    # A clue from the work loop says so in its first event (the problem's own log records the other side).
    _audit(clue, actor=actor, org=commission, action=Action.TRANSFER_FROM_PROBLEM if source == Source.TRANSFER
           else Action.CREATE, from_state="", reason=transfer_reason,
           payload={"source": source, "real_name": clue.is_real_name})
    return clue


# ---------------------------------------------------------------- screening (信访室)


@CLUE_ACTIONS.performs(Action.ACCEPT)
def clue_accept(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """受理 and pass to 案管室; a real-name reporter is owed a 受理告知 within 15 working days of receipt."""
    def change(c: Clue, _cap: Capacity) -> None:
        c.screening_note = (note or "").strip()
        if c.is_real_name:
            c.acceptance_notice_due = _deadline(c.received_on, "acceptance_notice")
    return _act(actor, clue, Action.ACCEPT, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.MARK_DUPLICATE)
def clue_mark_duplicate(*, actor: User, clue: Clue, duplicate_of: Clue) -> Clue:
    """重复件: kept on file, linked to the first report; no new notice to the reporter."""
    if duplicate_of is None or duplicate_of.pk == clue.pk:
        raise ServiceError("请选择另一件作为首件。", field="duplicate_of")
    if duplicate_of.commission_id != clue.commission_id or duplicate_of.state == State.DUPLICATE:
        raise ServiceError("首件须是本机关受理的、本身不是重复件的线索。", field="duplicate_of")

    def change(c: Clue, _cap: Capacity) -> None:
        c.duplicate_of = duplicate_of
        c.acceptance_notice_due = None
    return _act(actor, clue, Action.MARK_DUPLICATE, change, payload={"first": duplicate_of.pk})


@CLUE_ACTIONS.performs(Action.NOT_ACCEPT)
def clue_not_accept(*, actor: User, clue: Clue, reason: str) -> Clue:
    """不予受理, with the reason."""
    reason = _text(reason, "不予受理须说明理由。", "reason")

    def change(c: Clue, _cap: Capacity) -> None:
        c.screening_note = reason
    return _act(actor, clue, Action.NOT_ACCEPT, change, reason=reason)


@CLUE_ACTIONS.performs(Action.FORWARD_UP)
def clue_forward_up(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """Belongs to the higher level: to be forwarded within 5 working days of receipt."""
    def change(c: Clue, _cap: Capacity) -> None:
        c.screening_note = (note or "").strip()
        c.forward_due = _deadline(c.received_on, "forward_up")
    return _act(actor, clue, Action.FORWARD_UP, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.FORWARD_UP_SENT)
def clue_forward_up_sent(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """已上交: on time is frozen now."""
    def change(c: Clue, _cap: Capacity) -> None:
        c.forwarded_on = _today()
        c.forwarded_on_time = c.forward_due is None or c.forwarded_on <= c.forward_due
    return _act(actor, clue, Action.FORWARD_UP_SENT, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.TRANSFER_DOWN)
def clue_transfer_down(*, actor: User, clue: Clue, down_to: Organisation, note: str = "") -> Clue:
    """下转 to a lower commission in this commission's region, which accepts within 5 working days."""
    commission = clue.commission
    if (down_to is None or down_to.kind != OrgKind.COMMISSION or down_to.pk == commission.pk
            or not down_to.region.path.startswith(commission.region.path)):
        raise ServiceError("只能下转至本辖区的下级纪委监委。", field="down_to")
    if down_to.pk in _blocked_for_org(clue):
        raise ServiceError("被反映单位隶属于该下级纪委监委，不能下转。", field="down_to")

    def change(c: Clue, _cap: Capacity) -> None:
        c.down_to = down_to
        c.down_accept_due = _deadline(_today(), "down_accept")
        c.screening_note = (note or "").strip()
    return _act(actor, clue, Action.TRANSFER_DOWN, change, reason=(note or "").strip(),
                payload={"down_to": down_to.pk})


def _blocked_for_org(clue: Clue) -> set[int]:
    """The reported unit and every unit under it (a transfer never goes to them)."""
    found = {clue.reported_unit_id}
    frontier = {clue.reported_unit_id}
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


@CLUE_ACTIONS.performs(Action.ACCEPT_DOWN)
def clue_accept_down(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """The lower commission takes the clue over: it is now theirs, accepted and waiting for their 案管."""
    def change(c: Clue, cap: Capacity) -> None:
        c.down_accepted_on = _today()
        c.down_accepted_on_time = c.down_accept_due is None or c.down_accepted_on <= c.down_accept_due
        c.transferred_from = c.commission
        assert cap.lower is not None  # the rule's who (LOWER) was checked
        c.commission = cap.lower
        c.down_to = None
        if c.is_real_name and c.acceptance_notice_due is None:
            c.acceptance_notice_due = _deadline(c.received_on, "acceptance_notice")
    return _act(actor, clue, Action.ACCEPT_DOWN, change, reason=(note or "").strip())


# ---------------------------------------------------------------- 案管室


@CLUE_ACTIONS.performs(Action.REGISTER)
def clue_register(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """案管 registration: the 线索编号, gap-free per commission and year, taken in this transaction."""
    def change(c: Clue, _cap: Capacity) -> None:
        year = _today().year
        c.number_seq, c.number = _number(c.commission, "clue", "线", year)
        c.number_year = year
        c.registered_at = timezone.now()
    return _act(actor, clue, Action.REGISTER, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.ASSIGN)
def clue_assign(*, actor: User, clue: Clue, assigned_org: Organisation, note: str = "") -> Clue:
    """分办 to an office or a stationed group of the commission (at a district commission, itself)."""
    commission = clue.commission
    fits = (assigned_org is not None and assigned_org.is_active and (
        (assigned_org.parent_id == commission.pk and assigned_org.kind in (OrgKind.OFFICE, OrgKind.STATIONED_GROUP)
         and assigned_org.office_type not in ("xinfang", "anguan"))
        or (assigned_org.pk == commission.pk and commission.region.level > 1)))
    if not fits:
        raise ServiceError("请选择本机关的监督检查、审查调查部门或派驻纪检监察组承办。", field="assigned_org")
    if assigned_org.pk in _blocked_for_org(clue):
        raise ServiceError("承办部门不能是被反映单位。", field="assigned_org")

    def change(c: Clue, _cap: Capacity) -> None:
        c.assigned_org = assigned_org
        c.assigned_at = timezone.now()
    result = _act(actor, clue, Action.ASSIGN, change, reason=(note or "").strip(),
                  payload={"assigned_org": assigned_org.pk})
    _notify_team(result, "案管室分办了一条问题线索，请签收。")
    return result


# ---------------------------------------------------------------- the handling team and the leader


@CLUE_ACTIONS.performs(Action.SIGN)
def clue_sign(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """签收 by the assigned office or group."""
    def change(c: Clue, _cap: Capacity) -> None:
        c.signed_at = timezone.now()
    return _act(actor, clue, Action.SIGN, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.PROPOSE)
def clue_propose(*, actor: User, clue: Clue, disposal: str, reason: str, matters: str = "") -> Clue:
    """The team proposes one of the four ways or 立案审查; nothing takes effect before study and approval."""
    if disposal not in Disposal.values:
        raise ServiceError("请选择拟处置方式。", field="disposal")
    reason = _text(reason, "请填写处置意见。", "reason")
    matters = (matters or "").strip()
    if disposal == Disposal.INQUIRY and not matters:
        raise ServiceError("拟谈话函询须填写函询事项。", field="matters")

    def change(c: Clue, _cap: Capacity) -> None:
        c.proposed_disposal, c.proposal_reason = disposal, reason
        c.inquiry_matters = matters if disposal == Disposal.INQUIRY else ""
        c.study_date, c.study_attendees, c.study_record = None, "", ""
    return _act(actor, clue, Action.PROPOSE, change, reason=reason, payload={"disposal": disposal})


@CLUE_ACTIONS.performs(Action.STUDY)
def clue_study(*, actor: User, clue: Clue, study_date: dt.date, attendees: str, record: str,
               signing_leader: User | None) -> Clue:
    """集体研究: who attended, what was decided, and the leader who is to sign (签批领导), before the proposal goes
    up. The signing leader must be an active leader of the clue's commission, and not hard-blocked from it."""
    study_date = _past_or_today(study_date, "研究日期", "study_date")
    attendees = _text(attendees, "请填写参会人员。", "attendees")
    record = _text(record, "请填写研究记录。", "record")
    if signing_leader is None:
        raise ServiceError("请指定签批领导。", field="signing_leader")
    if signing_leader.pk not in handlers_of([clue], "leader").get(clue.pk, set()):
        raise ServiceError("签批领导须为本机关的委领导，且不得与该线索有回避关系。", field="signing_leader")

    def change(c: Clue, _cap: Capacity) -> None:
        c.study_date, c.study_attendees, c.study_record = study_date, attendees, record
        c.signing_leader = signing_leader
    return _act(actor, clue, Action.STUDY, change,
                payload={"attendees": attendees, "signing_leader": signing_leader.pk})


def _check_signing_leader(actor: User, clue: Clue, password: str | None) -> None:
    """Only the named signing leader, in person: the password is entered again (like rectification's sign-off)."""
    if clue.signing_leader_id is None or actor.pk != clue.signing_leader_id:
        raise PermissionRefused("只有集体研究时指定的签批领导本人可以审批。")
    if password is not None and (not password or not actor.check_password(password)):
        raise PermissionRefused("密码不正确，签批未完成。", field="password")


@CLUE_ACTIONS.performs(Action.APPROVE_INQUIRY, Action.APPROVE_VERIFY, Action.APPROVE_SHELVE, Action.APPROVE_CLOSE,
                       Action.APPROVE_CASE)
def clue_approve(*, actor: User, clue: Clue, disposal: str, password: str, note: str = "",
                 review_due: dt.date | None = None) -> Clue:
    """The named signing leader approves the studied proposal in person; it takes effect now (a 函询 letter is
    numbered and its reply falls due; 暂存待查 gets its review date; 了结 and 立案 close the clue here)."""
    code = next(r.code for r in CLUE_ACTIONS if r.fixed.get("disposal") == disposal)
    if clue.proposed_disposal != disposal:
        proposed = Disposal(clue.proposed_disposal).label if clue.proposed_disposal else "未提出"
        raise ServiceError(f"拟处置方式为“{proposed}”，不能{CLUE_ACTIONS[code].label}。")
    if disposal == Disposal.SHELVE and (review_due is None or review_due <= _today()):
        raise ServiceError("请填写今天以后的复查日期。", field="review_due")

    def change(c: Clue, cap: Capacity) -> None:
        _check_signing_leader(actor, c, password)  # after the table's refusal (state, part), under the lock
        today = _today()
        c.disposal = disposal
        c.approved_by, c.approved_at = actor, timezone.now()
        if disposal == Disposal.INQUIRY:
            _send_letter(c, c.inquiry_matters, today)
        elif disposal == Disposal.SHELVE:
            c.review_due = review_due
        elif disposal == Disposal.CLOSE:
            _close(c, Outcome.CLOSED, today)
        elif disposal == Disposal.CASE:
            _close(c, Outcome.CASE, today)
    return _act(actor, clue, code, change, reason=(note or "").strip(),
                payload={"disposal": disposal, "signed_in_person": True})


def _send_letter(clue: Clue, matters: str, today: dt.date) -> InquiryLetter:
    if not matters.strip():
        raise ServiceError("函询事项为空，不能发出函询函。", field="matters")
    seq, number = _number(clue.commission, "clue-letter", "函", today.year)
    return InquiryLetter.objects.create(clue=clue, number=number, year=today.year, seq=seq, matters=matters.strip(),
                                        sent_on=today, reply_due=_deadline(today, "inquiry_reply"))


@CLUE_ACTIONS.performs(Action.RETURN_PROPOSAL)
def clue_return_proposal(*, actor: User, clue: Clue, reason: str) -> Clue:
    """The leader sends the proposal back to be reconsidered."""
    reason = _text(reason, "退回须说明理由。", "reason")

    def change(c: Clue, _cap: Capacity) -> None:
        _check_signing_leader(actor, c, None)
        c.proposed_disposal = ""
    return _act(actor, clue, Action.RETURN_PROPOSAL, change, reason=reason)


def _open_letter(clue: Clue) -> InquiryLetter | None:
    return clue.letters.filter(replied_on__isnull=True).order_by("-id").first()


@CLUE_ACTIONS.performs(Action.RECORD_REPLY)
def clue_record_reply(*, actor: User, clue: Clue, replied_on: dt.date, reply_text: str) -> Clue:
    """The reply to the open 函询 letter; on time frozen against its due date."""
    replied_on = _past_or_today(replied_on, "回复日期", "replied_on")
    reply_text = _text(reply_text, "请填写回复内容。", "reply_text")

    def change(c: Clue, _cap: Capacity) -> None:
        letter = _open_letter(c)
        if letter is None:
            raise ServiceError("没有待回复的函询函。")
        if replied_on < letter.sent_on:
            raise ServiceError("回复日期不能早于发函日期。", field="replied_on")
        letter.replied_on, letter.reply_text = replied_on, reply_text
        letter.replied_on_time = replied_on <= letter.reply_due
        letter.save()
    return _act(actor, clue, Action.RECORD_REPLY, change)


def _require_reply(clue: Clue) -> None:
    if _open_letter(clue) is not None:
        raise ServiceError("函询函尚未回复，请先登记回复。")


@CLUE_ACTIONS.performs(Action.INQUIRY_CLEAR, Action.INQUIRY_REMIND, Action.INQUIRY_CRITICISE)
def clue_inquiry_close(*, actor: User, clue: Clue, outcome: str, note: str = "") -> Clue:
    """After the reply: 了结澄清, 谈话提醒 or 批评教育 ends the clue."""
    code = next(r.code for r in CLUE_ACTIONS if r.code.startswith("inquiry_") and r.fixed.get("outcome") == outcome)

    def change(c: Clue, _cap: Capacity) -> None:
        _require_reply(c)
        _close(c, outcome, _today())
    return _act(actor, clue, code, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.INQUIRY_AGAIN)
def clue_inquiry_again(*, actor: User, clue: Clue, matters: str, note: str = "") -> Clue:
    """再次函询: a new numbered letter, a new reply due."""
    matters = _text(matters, "请填写函询事项。", "matters")

    def change(c: Clue, _cap: Capacity) -> None:
        _require_reply(c)
        c.inquiry_matters = matters
        _send_letter(c, matters, _today())
    return _act(actor, clue, Action.INQUIRY_AGAIN, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.INQUIRY_VERIFY)
def clue_inquiry_verify(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """The reply does not clear it: 初步核实."""
    def change(c: Clue, _cap: Capacity) -> None:
        _require_reply(c)
        c.disposal = Disposal.VERIFY
    return _act(actor, clue, Action.INQUIRY_VERIFY, change, reason=(note or "").strip())


def _report(report: str, signers: str) -> tuple[str, str]:
    report = _text(report, "请填写初步核实报告。", "report")
    signers = _text(signers, "初步核实报告须由核实组全体成员签名。", "signers")
    return report, signers


@CLUE_ACTIONS.performs(Action.VERIFY_CASE, Action.VERIFY_CLOSE, Action.VERIFY_REMIND, Action.VERIFY_TRANSFER)
def clue_verify_close(*, actor: User, clue: Clue, outcome: str, report: str, signers: str) -> Clue:
    """初步核实 ends with the team's signed report: 立案, 予以了结, 谈话提醒 or 移送."""
    report, signers = _report(report, signers)
    code = next(r.code for r in CLUE_ACTIONS if r.code.startswith("verify_") and r.fixed.get("outcome") == outcome)

    def change(c: Clue, _cap: Capacity) -> None:
        c.verification_report, c.verification_signers = report, signers
        if outcome == Outcome.CASE:
            c.disposal = Disposal.CASE
        _close(c, outcome, _today())
    return _act(actor, clue, code, change, payload={"signers": signers})


@CLUE_ACTIONS.performs(Action.VERIFY_SHELVE)
def clue_verify_shelve(*, actor: User, clue: Clue, report: str, signers: str, review_due: dt.date) -> Clue:
    """初步核实 ends in 暂存待查, to be reviewed on `review_due`."""
    report, signers = _report(report, signers)
    if review_due is None or review_due <= _today():
        raise ServiceError("请填写今天以后的复查日期。", field="review_due")

    def change(c: Clue, _cap: Capacity) -> None:
        c.verification_report, c.verification_signers = report, signers
        c.disposal, c.review_due = Disposal.SHELVE, review_due
    return _act(actor, clue, Action.VERIFY_SHELVE, change, payload={"signers": signers})


@CLUE_ACTIONS.performs(Action.REVIEW_SHELVED)
def clue_review_shelved(*, actor: User, clue: Clue, note: str = "") -> Clue:
    """A shelved clue is taken up again: the team proposes a new disposal (which is studied and approved again)."""
    def change(c: Clue, _cap: Capacity) -> None:
        c.review_due = None
        c.proposed_disposal = ""
    return _act(actor, clue, Action.REVIEW_SHELVED, change, reason=(note or "").strip())


@CLUE_ACTIONS.performs(Action.POSTPONE_REVIEW)
def clue_postpone_review(*, actor: User, clue: Clue, review_due: dt.date, note: str) -> Clue:
    """Reviewed and kept shelved until the next review."""
    note = _text(note, "请填写复查意见。", "note")
    if review_due is None or review_due <= _today():
        raise ServiceError("请填写今天以后的复查日期。", field="review_due")

    def change(c: Clue, _cap: Capacity) -> None:
        c.review_due = review_due
    return _act(actor, clue, Action.POSTPONE_REVIEW, change, reason=note, payload={"review_due": str(review_due)})


# ---------------------------------------------------------------- the reporter: notices and objections


def _no_sms_under_way(clue: Clue, kind: str) -> None:
    """A notice recorded by hand while its SMS waits to go would be given twice: wait for the SMS's outcome."""
    if clue.notices.filter(kind=kind, status=NoticeStatus.QUEUED).exists():
        raise ServiceError(f"{NoticeKind(kind).label}短信正在发送，请待发送结果后再登记。")


@CLUE_ACTIONS.performs(Action.NOTIFY_ACCEPTANCE)
def clue_notify_acceptance(*, actor: User, clue: Clue, notified_on: dt.date, note: str) -> Clue:
    """受理告知 to a real-name reporter (not for a repeat), through a neutral sender; on time frozen now."""
    notified_on = _past_or_today(notified_on, "告知日期", "notified_on")
    note = _text(note, "请填写告知方式及内容。", "note")

    def change(c: Clue, _cap: Capacity) -> None:
        if not c.is_real_name:
            raise ServiceError("匿名举报无需受理告知。")
        if c.acceptance_notified_on:
            raise ServiceError("已经受理告知过了。")
        _no_sms_under_way(c, NoticeKind.ACCEPTANCE)
        c.acceptance_notified_on = notified_on
        c.acceptance_notified_on_time = c.acceptance_notice_due is None or notified_on <= c.acceptance_notice_due
    return _act(actor, clue, Action.NOTIFY_ACCEPTANCE, change, reason=note)


@CLUE_ACTIONS.performs(Action.NOTIFY_RESULT)
def clue_notify_result(*, actor: User, clue: Clue, notified_on: dt.date, note: str) -> Clue:
    """结果告知 within 15 working days of closing; on time frozen now."""
    notified_on = _past_or_today(notified_on, "告知日期", "notified_on")
    note = _text(note, "请填写告知方式及内容。", "note")

    def change(c: Clue, _cap: Capacity) -> None:
        if not c.is_real_name:
            raise ServiceError("匿名举报无需结果告知。")
        if c.result_notified_on:
            raise ServiceError("已经结果告知过了。")
        _no_sms_under_way(c, NoticeKind.RESULT)
        c.result_notified_on = notified_on
        c.result_notified_on_time = c.result_notice_due is None or notified_on <= c.result_notice_due
    return _act(actor, clue, Action.NOTIFY_RESULT, change, reason=note)


def clue_send_notice(*, actor: User, clue: Clue, kind: str) -> ReporterNotice:
    """Queue a 受理告知 or 结果告知 for the worker to send by SMS under the neutral sender (notices.py); the notice
    counts as given when sent. Who may: whoever may record that notice by hand (信访 of the commission), when they may.
    Letters by post stay recorded by hand (clue_notify_acceptance / clue_notify_result)."""
    from django.conf import settings

    from . import notices
    from .tasks import send_reporter_notice

    if kind not in NoticeKind.values:
        raise ServiceError("请选择告知类型。", field="kind")
    action = Action.NOTIFY_ACCEPTANCE if kind == NoticeKind.ACCEPTANCE else Action.NOTIFY_RESULT
    channel = settings.CLUE_NOTICE_CHANNEL
    if channel not in notices.CHANNELS or (channel == notices.SMS_GATEWAY and not settings.CLUE_NOTICE_GATEWAY_URL):
        raise ServiceError("短信告知渠道未配置，请联系管理员，或改用书面告知并登记。")
    word = notices.neutral_problem(f"{settings.CLUE_NOTICE_SENDER}{settings.CLUE_NOTICE_PHONE}")
    if word:
        raise ServiceError(f"短信发送单位名称不得含有“{word}”等字样，请联系管理员修改设置。")
    CLUE_ACTIONS.check_state(action, clue.state, ServiceError)
    with transaction.atomic():
        locked = _locked(clue)
        capacity = _authorise(actor, locked, action)
        if not locked.is_real_name:
            raise ServiceError("匿名举报无需告知。")
        if locked.minimal:
            raise ServiceError("该线索反映本级主要负责人，只留存最少信息，只能上交上级。")
        if getattr(locked, f"{kind}_notified_on"):
            raise ServiceError(f"已经{NoticeKind(kind).label}过了。")
        if locked.notices.filter(kind=kind, status=NoticeStatus.QUEUED).exists():
            raise ServiceError(f"{NoticeKind(kind).label}短信正在发送，请勿重复提交。")
        token = ReporterVault.objects.filter(clue=locked).values_list("phone_encrypted", flat=True).first()
        if not token:
            raise ServiceError(notices.NO_PHONE)
        text = notices.render(locked, kind)
        # The phone stays encrypted here: only the worker decrypts it, when it sends (and keeps it masked).
        notice = ReporterNotice.objects.create(clue=locked, kind=kind, channel=channel, text=text, created_by=actor)
        _audit(locked, actor=actor, org=capacity.xinfang, action=Action.SEND_NOTICE, from_state=locked.state,
               payload={"notice": notice.pk, "kind": kind, "channel": channel})
        send_reporter_notice.enqueue(notice.pk)
    return notice


@CLUE_ACTIONS.performs(Action.RECORD_OBJECTION)
def clue_record_objection(*, actor: User, clue: Clue, received_on: dt.date, content: str, answer: str) -> Clue:
    """A reporter's objection to the result and the answer given."""
    received_on = _past_or_today(received_on, "收到异议日期", "received_on")
    content = _text(content, "请填写异议内容。", "content")
    answer = _text(answer, "请填写答复内容。", "answer")

    def change(c: Clue, _cap: Capacity) -> None:
        Objection.objects.create(clue=c, received_on=received_on, content=content, answer=answer,
                                 recorded_by=actor)
    return _act(actor, clue, Action.RECORD_OBJECTION, change)


# ---------------------------------------------------------------- transfer from the work loop


def problem_transfer_to_clue(*, actor: User, problem: "Problem", reported_unit: Organisation, reported_name: str,
                             reason: str) -> ProblemTransfer:
    """移送: a problem that reveals misconduct becomes a clue at the commission over its region; the transfer is a
    record of its own, and both sides' audit logs say so. Called by the problems service inside its transaction."""
    reason = stated_reason(reason, missing="移送须说明理由。", max_length=2000)
    commission = (commission_of(problem.supervising_org, through_stationed_group=True)
                  if problem.supervising_org_id else None)
    if commission is None:
        raise ServiceError("该问题没有所属纪委监委，不能移送线索。")
    clue = clue_create(actor=actor, source=Source.TRANSFER, received_on=_today(), reported_unit=reported_unit,
                       reported_name=reported_name, summary=f"由问题 {problem.number} 移送：{reason}",
                       commission=commission, transfer_reason=reason)
    return ProblemTransfer.objects.create(problem=problem, clue=clue, reason=reason, by=actor)


# ---------------------------------------------------------------- documents that leave the commission


def _letter_capacity(actor: User, clue: Clue, letter: InquiryLetter) -> Capacity:
    capacity = capacity_for(actor, clue)
    if letter.clue_id != clue.pk or not (capacity.team or capacity.anguan or capacity.leader):
        raise PermissionRefused("只有承办部门、案管室和委领导可以下载函询函。")
    return capacity


def _transfer_capacity(actor: User, clue: Clue) -> Capacity:
    capacity = capacity_for(actor, clue)
    passed = clue.state == State.DOWN_PENDING or clue.transferred_from_id is not None
    if not passed or not (capacity.xinfang or capacity.lower or capacity.anguan):
        raise PermissionRefused("只有下转线索的信访、案管人员可以下载移交函。")
    return capacity


def document_capacity(*, actor: User, job: ClueJob) -> Capacity:
    """In what part `actor` may have the letter of `job` (checked when asked, when written and when downloaded)."""
    assert job.clue is not None  # a letter's job always names its clue  # noqa: S101
    if job.kind == JobKind.LETTER:
        assert job.letter is not None  # noqa: S101
        return _letter_capacity(actor, job.clue, job.letter)
    return _transfer_capacity(actor, job.clue)


def clue_document_submit(*, actor: User, clue: Clue, letter: InquiryLetter | None = None) -> ClueJob:
    """Queue the 函询 letter (`letter`) or the 下转 letter of `clue` for the background worker; refused at once (and
    nothing recorded) for anyone who may not have it. The job and its audit event commit together."""
    from .tasks import run_clue_job

    kind = JobKind.LETTER if letter is not None else JobKind.TRANSFER
    capacity = _letter_capacity(actor, clue, letter) if letter is not None else _transfer_capacity(actor, clue)
    with transaction.atomic():
        job = ClueJob.objects.create(kind=kind, clue=clue, letter=letter, created_by=actor, rows_total=1)
        _audit(clue, actor=actor, org=capacity.acting_org, from_state=clue.state,
               action=Action.GENERATE_LETTER if letter is not None else Action.GENERATE_TRANSFER,
               payload={"job": job.pk, **({"letter": letter.number} if letter is not None else {})})
        run_clue_job.enqueue(job.pk)
    return job


REVEALS_OBJECT = "clues.reveal_register"


def reveal_export_submit(*, actor: User) -> ClueJob:
    """Queue the 借阅登记 of the commissions whose 案管 work `actor` does as an Excel file (only 案管 may)."""
    from .tasks import run_clue_job

    commissions = sorted(circle_of(actor).anguan)
    if not commissions:
        raise PermissionRefused("只有案管室人员可以导出借阅登记。")
    with transaction.atomic():
        job = ClueJob.objects.create(kind=JobKind.REVEALS, commissions=commissions, created_by=actor)
        record_event(object_type=REVEALS_OBJECT, object_id=commissions[0], action="export", actor=actor,
                     internal=True, payload={"job": job.pk, "commissions": commissions})
        run_clue_job.enqueue(job.pk)
    return job


def clue_job_download(*, actor: User, pk: int) -> ClueJob:
    """A written file of the loop, to its asker only while they still may see what it holds (NotFound otherwise);
    each download of a letter is an audit event of its clue, of the register one of the register."""
    from pathlib import Path

    from qingshan.access.clues import access_clue_job
    from qingshan.core.errors import NotFound

    job = access_clue_job(actor, pk)
    if job.status != JobStatus.DONE or not job.stored_path or not Path(job.stored_path).is_file():
        raise NotFound("文件不存在或尚未生成。")
    with transaction.atomic():
        if job.kind == JobKind.REVEALS:
            record_event(object_type=REVEALS_OBJECT, object_id=job.commissions[0], action="download", actor=actor,
                         internal=True, payload={"job": job.pk, "sha256": job.sha256})
        elif job.kind == JobKind.QUARTER:
            assert job.quarter_report is not None  # noqa: S101
            org = quarter_document_capacity(actor=actor, report=job.quarter_report)
            record_event(object_type=QUARTER_OBJECT, object_id=job.quarter_report.pk, action="download", actor=actor,
                         actor_org=org, internal=True, payload={"job": job.pk, "sha256": job.sha256})
        else:
            capacity = document_capacity(actor=actor, job=job)
            clue = job.clue
            assert clue is not None  # noqa: S101
            _audit(clue, actor=actor, org=capacity.acting_org, from_state=clue.state,
                   action=Action.DOWNLOAD_LETTER if job.kind == JobKind.LETTER else Action.DOWNLOAD_TRANSFER,
                   payload={"job": job.pk, "sha256": job.sha256})
    return job


# ---------------------------------------------------------------- quarterly report-back to 信访室

QUARTER_OBJECT = "clues.quarter_report"


def quarter_report_submit(*, actor: User, office: Organisation, year: int, quarter: int,
                          note: str = "") -> QuarterReport:
    """An office reports the clues it closed in an ended quarter back to 信访室 (once per office and quarter); the
    report and its audit event commit together."""
    from django.db import IntegrityError

    from qingshan.access.clues import visible_clues

    from . import quarters

    if office.pk not in circle_of(actor).team:
        raise PermissionRefused("只有承办部门人员可以回告本部门的办理结果。")
    if quarter not in (1, 2, 3, 4):
        raise ServiceError("季度须为 1 至 4。", field="quarter")
    first, last = quarters.bounds(year, quarter)
    if last >= _today():
        raise ServiceError("该季度尚未结束，不能回告。", field="quarter")
    closed = visible_clues(actor).filter(assigned_org=office, closed_on__range=(first, last)).count()
    try:
        with transaction.atomic():
            report = QuarterReport.objects.create(office=office, year=year, quarter=quarter, closed_count=closed,
                                                  note=(note or "").strip(), submitted_by=actor)
            record_event(object_type=QUARTER_OBJECT, object_id=report.pk, action="quarter_report", actor=actor,
                         actor_org=office, internal=True,
                         payload={"office": office.pk, "year": year, "quarter": quarter, "closed": closed})
            QuarterDue.objects.filter(office=office, year=year, quarter=quarter, report__isnull=True).update(
                report=report)  # the deadline is met: the reminder engine stops watching it
    except IntegrityError as exc:
        raise ServiceError(f"本部门{year}年第{quarter}季度的办理结果已回告。") from exc
    return report


def quarter_document_capacity(*, actor: User, report: QuarterReport) -> Organisation:
    """The organisation in whose name `actor` may have the report-back document of `report`: the reporting office's
    own team, or 信访室 (and the leaders) of its commission. Checked when asked, when written and when downloaded."""
    circle = circle_of(actor)
    if report.office_id in circle.team:
        return report.office
    commission = report.office.parent
    if commission is not None and commission.pk in (circle.xinfang | circle.leader):
        return commission
    raise PermissionRefused("只有回告的承办部门、信访室和委领导可以生成季度回告函。")


def quarter_document_submit(*, actor: User, report: QuarterReport) -> ClueJob:
    """Queue the report-back of `report` as a Word document for 信访室 (the worker writes it as the letters are);
    refused at once, with nothing recorded, for anyone else. The job and its audit event commit together."""
    from .tasks import run_clue_job

    org = quarter_document_capacity(actor=actor, report=report)
    with transaction.atomic():
        job = ClueJob.objects.create(kind=JobKind.QUARTER, quarter_report=report, created_by=actor, rows_total=1)
        record_event(object_type=QUARTER_OBJECT, object_id=report.pk, action="generate_document", actor=actor,
                     actor_org=org, internal=True, payload={"job": job.pk})
        run_clue_job.enqueue(job.pk)
    return job
