"""Demo part of 联动协作: two 会商 of the city's first inspection office with the eco bureau, the water bureau and
the pollution-control office on recent open water problems, with minutes and decisions (one carried out, others
still open, one of them overdue), and a neighbouring region registered for transfers; one 协同监督检查 under way
(one finding waiting to be registered), one 联合约谈 whose commitments are tasks of the eco bureau, and two
移送协作单位 (one answered, one overdue). Rows and their audit events are dated in the past, like the rest of the
history."""
import datetime as dt
import random
from zoneinfo import ZoneInfo

from qingshan.audit.services import EventSpec, record_events
from qingshan.collaboration.choices import (
    CommitmentWay,
    ConsultationState,
    FindingState,
    InspectionState,
    PartnerTransferState,
    TaskState,
)
from qingshan.collaboration.models import (
    AgendaItem,
    Commitment,
    Consultation,
    Finding,
    Inspection,
    InspectionSite,
    InspectionTeam,
    Interview,
    InterviewParty,
    PartnerTransfer,
    PeerRegion,
    Task,
)
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
    joint = _joint_inspection(city, end, events)
    interviews = _joint_interview(city, end, water, events)
    transfers = _partner_transfers(city, end, water, events)
    record_events(events)
    return (f"联动协作：2 次会商，{tasks_made} 项决定事项，1 个跨地区协作单位，1 次协同监督检查（{joint} 项发现），"
            f"1 次联合约谈（{interviews} 项承诺），{transfers} 件移送协作单位。")


def _event(events, object_type, obj, action, actor, org, at, from_state="", to_state="", payload=None):
    events.append(EventSpec(object_type=object_type, object_id=obj.pk, action=action, actor=actor, actor_org=org,
                            from_state=from_state, to_state=to_state, payload=payload or {}, created_at=at))


def _joint_inspection(city, end: dt.date, events) -> int:
    """An inspection of the Qingshan river's outfalls under way: one team from three bodies, two sites; one finding
    waits for the office to register it as a problem, one was put right on the spot."""
    officer, office = city.users["office_staff"], city.offices["insp1"]
    eco, partner = city.city_units["eco"], city.partners[0]
    starts = end - dt.timedelta(days=2)
    at = dt.datetime.combine(starts - dt.timedelta(days=5), dt.time(9), tzinfo=TZ)
    inspection = Inspection.objects.create(
        title="青山河流域入河排污口协同监督检查", led_by=office, starts_on=starts, ends_on=end + dt.timedelta(days=3),
        scope="入河排污口设置、在线监测运行、整改落实情况", state=InspectionState.ONGOING, created_by=officer)
    inspection.participants.set([eco, partner])
    _event(events, "collaboration.inspection", inspection, "create", officer, office, at, to_state="planned")
    team = InspectionTeam.objects.create(inspection=inspection, name="第一检查组", leader=officer)
    team.members.set([city.users["eco_handler"], city.users["partner"]])
    lvshui = city.districts[1]
    sites = [InspectionSite.objects.create(inspection=inspection, team=team, name=name, region=lvshui.region,
                                           visit_on=starts + dt.timedelta(days=k), address=address)
             for k, (name, address) in enumerate([("滨江段3号排口", "滨江路12号旁"),
                                                   ("青山化工园区总排口", "化工园区纬二路")])]
    _event(events, "collaboration.inspection", inspection, "start", officer, office, at + dt.timedelta(days=5),
           from_state="planned", to_state="ongoing")
    category = next(c for c in city.categories if c.code == "water")
    found_at = dt.datetime.combine(starts, dt.time(15), tzinfo=TZ)
    waiting = Finding.objects.create(site=sites[0], title="排口排放黑色污水并有异味",
                                     description="检查组现场见排口持续排放黑色污水，有明显异味，附近无在线监测设施。",
                                     category=category, recorded_by=city.users["eco_handler"], recorded_at=found_at)
    fixed = Finding.objects.create(site=sites[1], title="排口标识牌缺失", description="总排口未按规定设置标识牌。",
                                   category=category, recorded_by=city.users["partner"], recorded_at=found_at,
                                   state=FindingState.DISMISSED, reason="企业已当场补设标识牌，整改到位。")
    for finding, who in ((waiting, "eco_handler"), (fixed, "partner")):
        _event(events, "collaboration.finding", finding, "record", city.users[who], None, found_at,
               to_state="recorded", payload={"inspection": inspection.pk, "title": finding.title})
    _event(events, "collaboration.finding", fixed, "dismiss", officer, office, found_at + dt.timedelta(hours=2),
           from_state="recorded", to_state="dismissed")
    return 2


def _joint_interview(city, end: dt.date, water: list, events) -> int:
    """The office and the pollution-control office interview the eco bureau's head over two water problems; two
    commitments became tasks of the bureau."""
    officer, office = city.users["office_staff"], city.offices["insp1"]
    eco, partner = city.city_units["eco"], city.partners[0]
    held = end - dt.timedelta(days=4)
    at = dt.datetime.combine(held, dt.time(10), tzinfo=TZ)
    interview = Interview.objects.create(
        title="青山河排污问题整改不力联合约谈", led_by=office, held_on=held, place="市纪委监委三楼会议室",
        record="通报青山河滨江段排污问题整改进展滞后的情况，被约谈单位作表态发言并作出整改承诺。", created_by=officer)
    InterviewParty.objects.bulk_create([
        InterviewParty(interview=interview, side="interviewer", organisation=office, person=officer.full_name,
                       post="第一监督检查室副主任"),
        InterviewParty(interview=interview, side="interviewer", organisation=partner, person=city.users["partner"]
                       .full_name, post="攻坚办副主任"),
        InterviewParty(interview=interview, side="interviewee", organisation=eco, person=city.users["eco_head"]
                       .full_name, post="局长"),
    ])
    interview.problems.set(water[:2])
    _event(events, "collaboration.interview", interview, "create", officer, office, at,
           payload={"title": interview.title, "problems": [p.number for p in water[:2]]})
    for k, text in enumerate(["十个工作日内完成滨江段排口截污", "每周向市纪委监委报送整改进度"]):
        deadline = add_working_days(held, 10)
        task = Task.objects.create(interview=interview, text=text, assignee=eco, deadline=deadline,
                                   problem=water[k] if k < len(water) else None)
        Commitment.objects.create(interview=interview, text=text, problem=task.problem, way=CommitmentWay.TASK,
                                  deadline=deadline, task=task)
        _event(events, "collaboration.interview", interview, "commit", officer, office,
               at + dt.timedelta(hours=1, minutes=k), payload={"text": text, "deadline": str(deadline)})
    return 2


def _partner_transfers(city, end: dt.date, water: list, events) -> int:
    """Two water problems sent to the pollution-control office: one answered and waiting for review, one overdue."""
    officer, office, partner = city.users["office_staff"], city.offices["insp1"], city.partners[0]
    made = 0
    for k, problem in enumerate(water[2:4]):
        sent = end - dt.timedelta(days=20 - 8 * k)
        at = dt.datetime.combine(sent, dt.time(11), tzinfo=TZ)
        deadline = add_working_days(sent, 5)
        answered = k == 0
        transfer = PartnerTransfer.objects.create(
            problem=problem, partner=partner, sender_org=office, request="请开展联合执法检查并反馈处理结果。",
            shared={"问题编号": problem.number, "问题标题": problem.title, "具体位置": problem.location},
            feedback_days=5, feedback_deadline=deadline, sent_by=officer, sent_at=at,
            state=PartnerTransferState.RETURNED if answered else PartnerTransferState.RECEIVED,
            signed_by=city.users["partner"], signed_at=at + dt.timedelta(hours=3),
            result="已会同市生态环境局开展联合执法，责令停止排放并立案查处。" if answered else "",
            returned_at=at + dt.timedelta(days=4) if answered else None, on_time=True if answered else None)
        _event(events, "collaboration.partner_transfer", transfer, "send", officer, office, at, to_state="sent",
               payload={"problem": problem.number, "deadline": str(deadline)})
        _event(events, "collaboration.partner_transfer", transfer, "sign", city.users["partner"], partner,
               at + dt.timedelta(hours=3), from_state="sent", to_state="received")
        if answered:
            _event(events, "collaboration.partner_transfer", transfer, "feedback", city.users["partner"], partner,
                   at + dt.timedelta(days=4), from_state="received", to_state="returned")
        made += 1
    return made
