"""The 会商 loop: convene with an agenda of problems, record the minutes, turn decisions into tasks with deadlines in
working days, the assignee body reports each done, the convener closes the meeting when every task is done. Each
step checks permission and state (transitions.py) and is audited in the same transaction."""
import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.collaboration import may_complete, may_convene
from qingshan.access.problems import visible_problems
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import Organisation, User
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from .choices import Action, TaskState
from .models import AgendaItem, Consultation, Task
from .transitions import CONSULTATION_ACTIONS, TASK_ACTIONS


def _audit(obj: Consultation | Task, *, actor: User, action: str, from_state: str = "", to_state: str = "",
           reason: str = "", payload: dict | None = None) -> None:
    object_type = "collaboration.consultation" if isinstance(obj, Consultation) else "collaboration.task"
    record_event(object_type=object_type, object_id=obj.pk, action=action, actor=actor, from_state=from_state,
                 to_state=to_state, reason=reason, payload=payload or {})


def _required(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field=field)
    return value


@transaction.atomic
def consultation_create(*, actor: User, title: str, held_on: dt.date, place: str = "",
                        participants: Iterable[Organisation], problem_numbers: Iterable[str] = ()) -> Consultation:
    """发起会商: convened by the actor's supervising body, with the bodies taking part and the problems on the agenda
    (each one the convener may see)."""
    supervising = profile_of(actor).supervising
    if not supervising:
        raise PermissionRefused("只有纪检监察机构的工作人员可以发起会商。")
    title = _required(title, "请填写会商主题。", "title")
    if held_on is None:
        raise ServiceError("请填写会商日期。", field="held_on")
    bodies = list(participants)
    if not bodies:
        raise ServiceError("请至少选择一个参加单位。", field="participants")
    numbers = [n.strip() for n in problem_numbers if n.strip()]
    problems = {p.number: p for p in visible_problems(actor).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in problems]
    if missing:
        raise ServiceError(f"问题 {'、'.join(missing)} 不存在或无权查看。", field="problems")
    consultation = Consultation.objects.create(title=title, held_on=held_on, place=(place or "").strip()[:100],
                                               convened_by=supervising[0], created_by=actor)
    consultation.participants.set(bodies)
    AgendaItem.objects.bulk_create([AgendaItem(consultation=consultation, problem=problems[n]) for n in numbers])
    _audit(consultation, actor=actor, action=Action.CREATE, to_state=consultation.state,
           payload={"title": title, "participants": [str(b) for b in bodies], "problems": numbers})
    return consultation


def _locked(consultation: Consultation, actor: User, code: str) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not may_convene(actor, consultation):
        raise PermissionRefused("只有召集单位的工作人员可以办理此事项。")
    CONSULTATION_ACTIONS.check_state(code, consultation.state, ServiceError)
    return consultation


@CONSULTATION_ACTIONS.performs(Action.RECORD)
@transaction.atomic
def consultation_record(*, actor: User, consultation: Consultation, attendees: str, minutes: str) -> Consultation:
    """记录会商纪要: who attended and what was discussed; the meeting is then held."""
    consultation = _locked(consultation, actor, Action.RECORD)
    consultation.attendees = _required(attendees, "请填写参会人员。", "attendees")
    consultation.minutes = _required(minutes, "请填写会商纪要。", "minutes")
    from_state, consultation.state = consultation.state, CONSULTATION_ACTIONS.leads_to(Action.RECORD)
    consultation.save(update_fields=["attendees", "minutes", "state"])
    _audit(consultation, actor=actor, action=Action.RECORD, from_state=from_state, to_state=consultation.state)
    return consultation


@CONSULTATION_ACTIONS.performs(Action.DECIDE)
@transaction.atomic
def consultation_decide(*, actor: User, consultation: Consultation, text: str, assignee: Organisation,
                        days: int, problem_number: str = "") -> Task:
    """形成决定事项: a decision becomes a task of a participating body, due in `days` working days."""
    consultation = _locked(consultation, actor, Action.DECIDE)
    text = _required(text, "请填写决定事项。", "text")
    if assignee is None or not consultation.participants.filter(pk=assignee.pk).exists():
        raise ServiceError("承办单位须为参加会商的单位。", field="assignee")
    if not days or days < 1 or days > 120:
        raise ServiceError("完成期限应为 1 至 120 个工作日。", field="days")
    problem = None
    if problem_number.strip():
        item = consultation.agenda.filter(problem__number=problem_number.strip()).select_related("problem").first()
        if item is None:
            raise ServiceError(f"问题 {problem_number} 不在本次会商的议题中。", field="problem_number")
        problem = item.problem
    try:
        deadline = add_working_days(timezone.localdate(), days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc
    task = Task.objects.create(consultation=consultation, text=text, assignee=assignee, deadline=deadline,
                               problem=problem)
    _audit(task, actor=actor, action=Action.DECIDE, to_state=task.state,
           payload={"consultation": consultation.pk, "assignee": str(assignee), "deadline": str(deadline),
                    "problem": problem.number if problem else ""})
    return task


@CONSULTATION_ACTIONS.performs(Action.CLOSE)
@transaction.atomic
def consultation_close(*, actor: User, consultation: Consultation) -> Consultation:
    """办结会商: once every decision is carried out."""
    consultation = _locked(consultation, actor, Action.CLOSE)
    open_tasks = consultation.tasks.filter(state=TaskState.OPEN).count()
    if open_tasks:
        raise ServiceError(f"还有 {open_tasks} 项决定事项未完成，不能办结会商。")
    from_state, consultation.state = consultation.state, CONSULTATION_ACTIONS.leads_to(Action.CLOSE)
    consultation.save(update_fields=["state"])
    _audit(consultation, actor=actor, action=Action.CLOSE, from_state=from_state, to_state=consultation.state)
    return consultation


@TASK_ACTIONS.performs(Action.COMPLETE)
@transaction.atomic
def task_complete(*, actor: User, task: Task, result: str) -> Task:
    """报告完成情况: the assignee body says what it did; 按期 is frozen now."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not may_complete(actor, task):
        raise PermissionRefused("只有承办单位可以报告完成情况。")
    TASK_ACTIONS.check_state(Action.COMPLETE, task.state, ServiceError)
    task.result = _required(result, "请填写完成情况。", "result")
    now = timezone.now()
    from_state = task.state
    task.state, task.completed_at, task.completed_by = TASK_ACTIONS.leads_to(Action.COMPLETE), now, actor
    task.on_time = timezone.localdate(now) <= task.deadline
    task.save(update_fields=["result", "state", "completed_at", "completed_by", "on_time"])
    _audit(task, actor=actor, action=Action.COMPLETE, from_state=from_state, to_state=task.state,
           payload={"on_time": task.on_time})
    return task
