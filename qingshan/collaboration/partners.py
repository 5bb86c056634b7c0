"""移送协作单位 with a feedback deadline: the problem's supervisor sends it to a partner body (生态环境局执法, 公安,
检察 …) with the fields the partner may see (copied at sending; never the reporter) and a deadline in working days;
the partner signs for it (签收), works it and returns its result; the sender accepts it or sends it back for more,
and may chase it (催办). The deadline is watched by the reminder engine (deadlines.py): overdue feedback is chased
automatically and escalated to the sending body's heads. Each step is checked and audited in its transaction."""
import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from qingshan.access.collaboration import may_receive, may_review_transfer
from qingshan.access.problems import capacity_for as problem_capacity_for
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, User
from qingshan.problems.choices import TERMINAL_STATES
from qingshan.problems.choices import Action as ProblemAction
from qingshan.problems.models import Problem, Share
from qingshan.problems.services import problem_share
from qingshan.problems.timelimits import SHARE_FEEDBACK_DAYS, SHARE_FEEDBACK_MAX_DAYS
from qingshan.problems.transitions import PROBLEM_ACTIONS
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days, working_days_between

from .choices import PartnerAction as Action
from .choices import PartnerTransferState as State
from .models import PartnerTransfer
from .transitions import PARTNER_TRANSFER_ACTIONS as ACTIONS

OBJECT_TYPE = "collaboration.partner_transfer"


def _coordinates(p: Problem) -> str:
    return f"{p.lng}, {p.lat}" if p.lng is not None and p.lat is not None else ""


# What a sender may choose to share, in the order the partner reads it. The number always travels (it is the
# reference both sides use); the reporter, internal comments and files never do.
SHAREABLE: dict[str, tuple[str, Callable[[Problem], str]]] = {
    "title": ("问题标题", lambda p: p.title),
    "description": ("问题描述", lambda p: p.description),
    "category": ("问题类别", lambda p: str(p.category)),
    "region": ("所在区划", lambda p: str(p.region)),
    "location": ("具体位置", lambda p: p.location),
    "coordinates": ("经纬度", _coordinates),
    "received_at": ("登记时间", lambda p: f"{timezone.localtime(p.received_at):%Y-%m-%d %H:%M}"),
    "lead_unit": ("主办单位", lambda p: str(p.lead_unit or "")),
}
DEFAULT_SHARED = ("title", "description", "category", "region", "location")
SHARE_DAYS = SHARE_FEEDBACK_DAYS  # working days for feedback when the problem's own 移送协作单位 step names no date
MAX_DAYS = SHARE_FEEDBACK_MAX_DAYS


def _required(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field=field)
    return value


def _audit(t: PartnerTransfer, *, actor: User, action: str, from_state: str, reason: str = "",
           payload: dict | None = None) -> None:
    record_event(object_type=OBJECT_TYPE, object_id=t.pk, action=action, actor=actor, from_state=from_state,
                 to_state=t.state, reason=reason, payload=payload or {})


@transaction.atomic
def partner_transfer_send(*, actor: User, problem: Problem, partner: Organisation, request: str, days: int,
                          fields: Iterable[str] = DEFAULT_SHARED) -> PartnerTransfer:
    """移送: by a supervisor of the problem, to an active partner body, with the chosen fields and `days` working
    days for feedback."""
    problem = _locked_problem(problem)
    sender_org = problem_capacity_for(actor, problem).supervisor_org
    if sender_org is None:
        raise PermissionRefused("只有负责督办该问题的纪检监察机构人员可以移送协作单位。")
    if problem.state in TERMINAL_STATES:
        raise ServiceError("该问题已办结，不能再移送。")
    if partner is None or partner.kind != OrgKind.PARTNER or not partner.is_active:
        raise ServiceError("请选择有效的协作单位。", field="partner")
    return _send(actor=actor, problem=problem, sender_org=sender_org, partner=partner, request=request, days=days,
                 fields=fields)


@PROBLEM_ACTIONS.performs(ProblemAction.SHARE)
@transaction.atomic
def problem_share_transfer(*, actor: User, problem: Problem, partner: Organisation, reason: str,
                           feedback_deadline: dt.date | None = None) -> PartnerTransfer:
    """移送协作单位 as the work loop's step (the problem's page and API): the partner may see the whole problem, as
    this step always allowed (problems' share, its rule and event), and the transfer is a PartnerTransfer like any
    other: a receipt to sign, feedback due by the date the officer chose (else SHARE_DAYS working days from today),
    chased when overdue."""
    # The step's rule first, as every step checks it (the state, then who may), then the date, before the share,
    # whose event (the problem's timeline) records it; the share checks the rule again under the problem's lock.
    PROBLEM_ACTIONS.check_state(ProblemAction.SHARE, problem.state, ServiceError)
    if problem_capacity_for(actor, problem).supervisor_org is None:
        raise PermissionRefused("只有负责督办该问题的纪检监察机构人员可以移送协作单位。")
    deadline, _days = feedback_deadline_of(feedback_deadline, None)
    share = problem_share(actor=actor, problem=problem, partner=partner, reason=reason, feedback_deadline=deadline)
    problem = _locked_problem(problem)
    return _send(actor=actor, problem=problem, sender_org=problem_capacity_for(actor, problem).supervisor_org,
                 partner=partner, request=share.reason, deadline=deadline, fields=DEFAULT_SHARED, share=share)


def feedback_deadline_of(deadline: dt.date | None, days: int | None) -> tuple[dt.date, int]:
    """The feedback deadline and its working days from today: the chosen date (not in the past, at most MAX_DAYS
    working days ahead), else `days` working days from today (SHARE_DAYS when neither is given)."""
    today = timezone.localdate()
    try:
        if deadline is None:
            days = SHARE_DAYS if days is None else days
            if not days or not 1 <= days <= MAX_DAYS:
                raise ServiceError(f"反馈期限应为 1 至 {MAX_DAYS} 个工作日。", field="days")
            return add_working_days(today, days), days
        if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
            raise ServiceError("请填写有效的反馈期限日期。", field="feedback_deadline")
        if deadline < today:
            raise ServiceError(f"反馈期限不能早于今天（{today:%Y-%m-%d}）。", field="feedback_deadline")
        latest = add_working_days(today, MAX_DAYS)
        if deadline > latest:
            raise ServiceError(f"反馈期限最长为 {MAX_DAYS} 个工作日，不能晚于 {latest:%Y-%m-%d}。",
                               field="feedback_deadline")
        return deadline, working_days_between(today, deadline)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc


def _locked_problem(problem: Problem) -> Problem:
    return (Problem.objects.select_for_update(of=("self",)).select_related("category", "region", "lead_unit")
            .get(pk=problem.pk))


def _send(*, actor: User, problem: Problem, sender_org: Organisation | None, partner: Organisation, request: str,
          fields: Iterable[str], days: int | None = None, deadline: dt.date | None = None,
          share: Share | None = None) -> PartnerTransfer:
    """The transfer's own checks and record, with its event; feedback due by `deadline`, else in `days`."""
    assert sender_org is not None  # the callers checked the actor supervises the problem
    request = _required(request, "请填写移送事项（请协作单位办理什么）。", "request")
    deadline, days = feedback_deadline_of(deadline, days)
    chosen = list(dict.fromkeys(fields))
    unknown = [f for f in chosen if f not in SHAREABLE]
    if unknown:
        raise ServiceError(f"不能移送的内容：{'、'.join(unknown)}。", field="fields")
    if PartnerTransfer.objects.filter(problem=problem, partner=partner).exclude(state=State.ACCEPTED).exists():
        raise ServiceError(f"该问题已移送“{partner}”，尚未办结。", field="partner")
    shared = {"问题编号": problem.number}
    shared.update({SHAREABLE[f][0]: SHAREABLE[f][1](problem) for f in SHAREABLE if f in chosen})
    transfer = PartnerTransfer.objects.create(
        problem=problem, partner=partner, sender_org=sender_org, shared=shared, request=request, feedback_days=days,
        feedback_deadline=deadline, sent_by=actor, sent_at=timezone.now(), share=share)
    _audit(transfer, actor=actor, action=Action.SEND, from_state="",
           payload={"problem": problem.number, "partner": str(partner), "fields": chosen,
                    "deadline": deadline.isoformat(), "whole_problem": share is not None})
    return transfer


def _locked(transfer: PartnerTransfer, actor: User, code: str) -> PartnerTransfer:
    transfer = PartnerTransfer.objects.select_for_update().get(pk=transfer.pk)
    who = ACTIONS[code].who
    allowed = may_receive(actor, transfer) if who == "partner" else may_review_transfer(actor, transfer)
    if not allowed:
        raise PermissionRefused("只有接收移送的协作单位可以办理。" if who == "partner"
                                else "只有移送单位的监督人员可以办理。")
    ACTIONS.check_state(code, transfer.state, ServiceError)
    return transfer


@ACTIONS.performs(Action.SIGN)
@transaction.atomic
def partner_transfer_sign(*, actor: User, transfer: PartnerTransfer) -> PartnerTransfer:
    """签收: the partner body acknowledges receipt."""
    transfer = _locked(transfer, actor, Action.SIGN)
    from_state, transfer.state = transfer.state, ACTIONS.leads_to(Action.SIGN)
    transfer.signed_by, transfer.signed_at = actor, timezone.now()
    transfer.save(update_fields=["state", "signed_by", "signed_at"])
    _audit(transfer, actor=actor, action=Action.SIGN, from_state=from_state)
    return transfer


@ACTIONS.performs(Action.FEEDBACK)
@transaction.atomic
def partner_transfer_feedback(*, actor: User, transfer: PartnerTransfer, result: str) -> PartnerTransfer:
    """反馈办理结果: 按期 is frozen at the first feedback."""
    transfer = _locked(transfer, actor, Action.FEEDBACK)
    transfer.result = _required(result, "请填写办理结果。", "result")
    now = timezone.now()
    if transfer.on_time is None:
        transfer.on_time = timezone.localdate(now) <= transfer.feedback_deadline
    from_state, transfer.state, transfer.returned_at = transfer.state, ACTIONS.leads_to(Action.FEEDBACK), now
    transfer.save(update_fields=["result", "on_time", "state", "returned_at"])
    _audit(transfer, actor=actor, action=Action.FEEDBACK, from_state=from_state, reason=transfer.result,
           payload={"on_time": transfer.on_time})
    return transfer


@ACTIONS.performs(Action.ACCEPT)
@transaction.atomic
def partner_transfer_accept(*, actor: User, transfer: PartnerTransfer, opinion: str = "") -> PartnerTransfer:
    """审核通过: the sender accepts the result; the transfer is closed."""
    transfer = _locked(transfer, actor, Action.ACCEPT)
    transfer.review = (opinion or "").strip()
    from_state, transfer.state = transfer.state, ACTIONS.leads_to(Action.ACCEPT)
    transfer.save(update_fields=["review", "state"])
    _audit(transfer, actor=actor, action=Action.ACCEPT, from_state=from_state, reason=transfer.review)
    return transfer


@ACTIONS.performs(Action.SEND_BACK)
@transaction.atomic
def partner_transfer_send_back(*, actor: User, transfer: PartnerTransfer, opinion: str,
                               days: int = 5) -> PartnerTransfer:
    """退回补充: the sender asks for more, with a new feedback deadline in working days."""
    transfer = _locked(transfer, actor, Action.SEND_BACK)
    transfer.review = _required(opinion, "请填写退回补充的意见。", "opinion")
    if not days or not 1 <= days <= MAX_DAYS:
        raise ServiceError(f"反馈期限应为 1 至 {MAX_DAYS} 个工作日。", field="days")
    try:
        transfer.feedback_deadline = add_working_days(timezone.localdate(), days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc
    from_state, transfer.state = transfer.state, ACTIONS.leads_to(Action.SEND_BACK)
    transfer.save(update_fields=["review", "state", "feedback_deadline"])
    _audit(transfer, actor=actor, action=Action.SEND_BACK, from_state=from_state, reason=transfer.review,
           payload={"deadline": transfer.feedback_deadline.isoformat()})
    return transfer


@ACTIONS.performs(Action.URGE)
@transaction.atomic
def partner_transfer_urge(*, actor: User, transfer: PartnerTransfer, note: str = "") -> PartnerTransfer:
    """催办反馈: by the sender, counted (the reminder engine escalates after enough urgings without answer)."""
    transfer = _locked(transfer, actor, Action.URGE)
    transfer.urge_count += 1
    transfer.save(update_fields=["urge_count"])
    _audit(transfer, actor=actor, action=Action.URGE, from_state=transfer.state, reason=(note or "").strip(),
           payload={"urge_count": transfer.urge_count})
    return transfer
