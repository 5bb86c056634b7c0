"""联合约谈: a supervising body records a joint interview (who interviewed whom: bodies, persons, posts; on which
problems; what was said) and turns each commitment made into work with a deadline: a rectification item raised
from the problem through the rectification service, or a collaboration task of a body due in working days (watched
by the reminder engine like a 会商 decision). Each step checks permission and is audited in its transaction."""
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.collaboration import may_lead
from qingshan.access.problems import visible_problems
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import Organisation, User
from qingshan.rectification.models import Campaign
from qingshan.rectification.services import item_raise_from_problem
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from .choices import CommitmentWay, TaskState
from .choices import InterviewAction as Action
from .models import Commitment, Interview, InterviewParty, Task

INTERVIEW_TYPE = "collaboration.interview"


class Party(NamedTuple):
    organisation: Organisation
    person: str
    post: str


def _required(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field=field)
    return value


def _parties(parties: Sequence[Party], side: str, label: str, field: str) -> list[InterviewParty]:
    if not parties:
        raise ServiceError(f"请填写{label}（单位、姓名、职务）。", field=field)
    rows = []
    for p in parties:
        if p.organisation is None or not (p.person or "").strip() or not (p.post or "").strip():
            raise ServiceError(f"{label}的每一位都须写明单位、姓名和职务。", field=field)
        rows.append(InterviewParty(side=side, organisation=p.organisation, person=p.person.strip()[:50],
                                   post=p.post.strip()[:100]))
    return rows


@transaction.atomic
def interview_create(*, actor: User, title: str, held_on: dt.date, record: str, interviewers: Sequence[Party],
                     interviewees: Sequence[Party], problem_numbers: Iterable[str] = (),
                     place: str = "") -> Interview:
    """记录联合约谈: led by the actor's supervising body; the problems are ones the actor may see."""
    supervising = profile_of(actor).supervising
    if not supervising:
        raise PermissionRefused("只有纪检监察机构的工作人员可以记录联合约谈。")
    title = _required(title, "请填写约谈事由。", "title")[:200]
    if held_on is None:
        raise ServiceError("请填写约谈日期。", field="held_on")
    if held_on > timezone.localdate():
        raise ServiceError("约谈日期不能晚于今天。", field="held_on")
    record = _required(record, "请填写约谈记录。", "record")
    rows = (_parties(interviewers, InterviewParty.Side.INTERVIEWER, "约谈方", "interviewers")
            + _parties(interviewees, InterviewParty.Side.INTERVIEWEE, "被约谈方", "interviewees"))
    numbers = list(dict.fromkeys(n.strip() for n in problem_numbers if n.strip()))
    problems = {p.number: p for p in visible_problems(actor).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in problems]
    if missing:
        raise ServiceError(f"问题 {'、'.join(missing)} 不存在或无权查看。", field="problems")
    interview = Interview.objects.create(title=title, led_by=supervising[0], held_on=held_on,
                                         place=(place or "").strip()[:100], record=record, created_by=actor)
    for row in rows:
        row.interview = interview
    InterviewParty.objects.bulk_create(rows)
    interview.problems.set(problems.values())
    record_event(object_type=INTERVIEW_TYPE, object_id=interview.pk, action=Action.CREATE, actor=actor,
                 actor_org=supervising[0],
                 payload={"title": title, "held_on": held_on.isoformat(), "problems": numbers,
                          "parties": [f"{r.get_side_display()}：{r.organisation} {r.person}（{r.post}）"
                                      for r in rows]})
    return interview


@transaction.atomic
def interview_commit(*, actor: User, interview: Interview, text: str, way: str, days: int,
                     problem_number: str = "", assignee: Organisation | None = None,
                     campaign: Campaign | None = None) -> Commitment:
    """落实整改承诺: a commitment becomes a rectification item of a campaign (raised from one of the interview's
    problems, which must already have a lead unit) or a task of a body at the table, due in `days` working days."""
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if not may_lead(actor, interview):
        raise PermissionRefused("只有牵头单位的监督人员可以落实约谈承诺。")
    text = _required(text, "请填写整改承诺。", "text")
    if not days or days < 1 or days > 250:
        raise ServiceError("完成期限应为 1 至 250 个工作日。", field="days")
    problem = None
    if (problem_number or "").strip():
        problem = interview.problems.filter(number=problem_number.strip()).first()
        if problem is None:
            raise ServiceError(f"问题 {problem_number} 不是本次约谈涉及的问题。", field="problem_number")
    try:
        deadline = add_working_days(timezone.localdate(), days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc
    commitment = Commitment(interview=interview, text=text, problem=problem, way=way, deadline=deadline)
    if way == CommitmentWay.RECTIFICATION:
        if problem is None:
            raise ServiceError("建立整改事项须选择本次约谈涉及的问题。", field="problem_number")
        if campaign is None:
            raise ServiceError("请选择整改事项所属的整改工作。", field="campaign")
        commitment.rectification_item = item_raise_from_problem(actor=actor, campaign=campaign, problem=problem,
                                                                deadline=deadline)
    elif way == CommitmentWay.TASK:
        at_table = interview.parties.filter(organisation=assignee).exists() if assignee is not None else False
        if not at_table:
            raise ServiceError("承办单位须为参加约谈的单位。", field="assignee")
        commitment.task = Task.objects.create(interview=interview, text=text, assignee=assignee, deadline=deadline,
                                              problem=problem, state=TaskState.OPEN)
    else:
        raise ServiceError("请选择落实方式。", field="way")
    commitment.save()
    record_event(object_type=INTERVIEW_TYPE, object_id=interview.pk, action=Action.COMMIT, actor=actor,
                 payload={"text": text[:200], "way": way, "deadline": deadline.isoformat(),
                          "problem": problem.number if problem else "",
                          "item": commitment.rectification_item.number if commitment.rectification_item else "",
                          "assignee": str(assignee) if commitment.task else ""})
    return commitment
