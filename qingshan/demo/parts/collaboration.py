"""Demo part of 联动协作: two 会商 of the city's first inspection office with the eco bureau, the water bureau and
the pollution-control office on recent open water problems, with minutes and decisions (one carried out, others
still open, one of them overdue), and a neighbouring region registered for transfers. Rows and their audit events
are dated in the past, like the rest of the history."""
import datetime as dt
import random
from zoneinfo import ZoneInfo

from qingshan.audit.services import EventSpec, record_events
from qingshan.collaboration.choices import ConsultationState, TaskState
from qingshan.collaboration.models import AgendaItem, Consultation, PeerRegion, Task
from qingshan.problems.choices import TERMINAL_STATES
from qingshan.problems.models import Problem
from qingshan.workdays.calendar import add_working_days

TZ = ZoneInfo("Asia/Shanghai")


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    if Consultation.objects.exists():
        return "联动协作：会商已存在，未重复生成。"
    officer = city.users["office_staff"]
    office = city.offices["insp1"]
    bodies = [city.city_units["eco"], city.city_units["water"], city.partners[0]]
    water = list(Problem.objects.filter(category__code="water", lead_unit__in=bodies[:2])
                 .exclude(state__in=TERMINAL_STATES).order_by("-received_at")[:6])
    events = []
    plans = [("青山河流域排污问题信息共享会商", 17, ["溯源排查青山河滨江段排口并报告", "对涉事企业开展联合执法检查"]),
             ("城区黑臭水体整治联动会商", 6, ["制定黑臭水体整治方案", "每周报送整治进度"])]
    tasks_made = 0
    for n, (title, days_ago, decisions) in enumerate(plans):
        held = end - dt.timedelta(days=days_ago)
        at = dt.datetime.combine(held, dt.time(15), tzinfo=TZ)
        consultation = Consultation.objects.create(
            title=title, convened_by=office, held_on=held, place="市纪委监委三楼会议室", created_by=officer,
            attendees="市纪委监委第一监督检查室、市生态环境局、市水务局、市污染防治攻坚办有关负责同志",
            minutes="通报有关问题线索办理情况，研究联合执法和整改推进措施，明确责任分工和完成时限。",
            state=ConsultationState.HELD)
        consultation.participants.set(bodies)
        agenda = water[n * 3:(n + 1) * 3]
        AgendaItem.objects.bulk_create([AgendaItem(consultation=consultation, problem=p) for p in agenda])
        events.append(EventSpec(object_type="collaboration.consultation", object_id=consultation.pk, action="create",
                                actor=officer, actor_org=office, to_state=ConsultationState.PLANNED,
                                payload={"title": title, "problems": [p.number for p in agenda]},
                                created_at=at - dt.timedelta(days=3)))
        events.append(EventSpec(object_type="collaboration.consultation", object_id=consultation.pk, action="record",
                                actor=officer, actor_org=office, from_state=ConsultationState.PLANNED,
                                to_state=ConsultationState.HELD, created_at=at))
        for k, text in enumerate(decisions):
            done = n == 0 and k == 0
            deadline = add_working_days(held, 5 if n == 0 else 10)
            task = Task.objects.create(
                consultation=consultation, text=text, assignee=bodies[k % 2], deadline=deadline,
                problem=agenda[k] if k < len(agenda) else None, state=TaskState.DONE if done else TaskState.OPEN,
                result="已完成排查，排口 3 处，均已移交执法。" if done else "",
                completed_at=dt.datetime.combine(deadline, dt.time(10), tzinfo=TZ) if done else None,
                on_time=True if done else None)
            tasks_made += 1
            events.append(EventSpec(object_type="collaboration.task", object_id=task.pk, action="decide",
                                    actor=officer, actor_org=office, to_state=TaskState.OPEN,
                                    payload={"assignee": str(task.assignee), "deadline": str(deadline)},
                                    created_at=at + dt.timedelta(minutes=30 + k)))
    PeerRegion.objects.create(code="3388", name="白河市纪委监委（演示）", public_key=f"{rng.getrandbits(256):064x}")
    record_events(events)
    return f"联动协作：2 次会商，{tasks_made} 项决定事项，1 个跨地区协作单位。"
