"""Demo part of 青山市 for the discipline loop: a few hundred fictional clues across every state, most with a
fictional reporter in the encrypted vault, some passed down to 绿水区纪委监委, a handful transferred from problems of
the work loop, and a demo login (clue_blocked) who holds the 信访 and 案管 roles but works in 市生态环境局 too, so
every clue about that bureau is hidden from them.

Rows are written in bulk with their audit events dated in the past (calling the services would stamp every step
with today's date); the numbering counters are set to the numbers used, so the next registration continues them.
"""
import datetime as dt
import random
from zoneinfo import ZoneInfo

from qingshan.access.crypto import encrypt, mask_name
from qingshan.audit.models import AuditEvent
from qingshan.audit.services import EventSpec, record_events
from qingshan.clues import quarters
from qingshan.clues.choices import Action, Disposal, Outcome, Source, State
from qingshan.clues.models import Clue, InquiryLetter, ProblemTransfer, QuarterDue, ReporterVault
from qingshan.clues.timelimits import QUARTER_REPORT_DAYS
from qingshan.core.models import NumberSequence
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User
from qingshan.problems.choices import Action as ProblemAction
from qingshan.problems.models import Problem
from qingshan.workdays.calendar import add_working_days

TZ = ZoneInfo("Asia/Shanghai")
COUNT = 300
TRANSFERS = 12
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"
POSTS = ["局长", "副局长", "科长", "副科长", "主任", "副主任", "站长", "所长"]
MATTERS = ["在项目审批中收受企业财物", "对辖区偷排问题监管不力、放任不管", "违规插手工程招投标",
           "虚报整改完成情况", "在执法检查中搞选择性执法", "违规发放补贴、优亲厚友", "公款吃喝、违规收受礼品"]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


class _Clues:
    def __init__(self, city, rng: random.Random, end: dt.date):
        self.city, self.rng, self.end = city, rng, end
        self.commission = city.commission
        self.lvshui = city.districts[1].commission
        self.xinfang = city.staff[city.offices["xinfang"].pk]
        self.anguan = city.staff[city.offices["anguan"].pk]
        self.teams = [city.offices[k] for k in ("insp1", "insp2", "insp3", "insp4", "style")] + city.groups[:3]
        self.leader = User.objects.get(username="leader")
        self.district = city.staff[self.lvshui.pk]
        self.units = list(city.city_units.values())
        self.events: list[EventSpec] = []
        self.numbers: dict[tuple[str, int], int] = {}

    def take(self, series: str, year: int) -> int:
        self.numbers[(series, year)] = self.numbers.get((series, year), 0) + 1
        return self.numbers[(series, year)]

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def run(self) -> tuple[int, int]:
        starts = sorted(self.end - dt.timedelta(days=self.rng.randint(2, 420)) for _ in range(COUNT))
        clues, vaults, letters, plans = [], [], [], []
        for received in starts:
            clue, plan = self.clue(received)
            clues.append(clue)
            plans.append(plan)
        Clue.objects.bulk_create(clues)
        for clue, plan in zip(clues, plans, strict=True):
            if clue.state == State.DUPLICATE:
                first = next((c for c in clues if c.pk < clue.pk and c.state not in (State.DUPLICATE,
                              State.FORWARDED_UP, State.UP_PENDING) and c.commission_id == clue.commission_id), None)
                clue.duplicate_of = first
            if plan["vault"]:
                vaults.append(self.vault(clue))
            letters.extend(InquiryLetter(clue=clue, **letter) for letter in plan["letters"])
            for action, from_state, to_state, actor, org, day in plan["steps"]:
                self.events.append(EventSpec(object_type="clues.clue", object_id=clue.pk, action=action, actor=actor,
                                             actor_org=org, from_state=from_state, to_state=to_state, internal=True,
                                             created_at=_at(day, self.rng.randint(9, 17))))
        Clue.objects.bulk_update([c for c in clues if c.duplicate_of_id], ["duplicate_of"])
        ReporterVault.objects.bulk_create(vaults)
        InquiryLetter.objects.bulk_create(letters)
        QuarterDue.objects.bulk_create(self.quarter_dues(clues))
        transferred = self.transfers(clues)
        self.events.sort(key=lambda e: (e.created_at, e.object_id))
        record_events(self.events)
        NumberSequence.objects.bulk_create([NumberSequence(series=s, year=y, last=n)
                                            for (s, y), n in self.numbers.items()])
        return len(clues), transferred

    def quarter_dues(self, clues: list[Clue]) -> list[QuarterDue]:
        """The report-backs the offices still owe 信访室 (as `services._close` records them): those of quarters whose
        deadline has not passed by the demo's last day; earlier quarters count as reported."""
        dues: dict[tuple[int, int, int], dt.date] = {}
        for clue in clues:
            if clue.state != State.CLOSED or clue.assigned_org_id is None or clue.closed_on is None:
                continue
            year, quarter = quarters.of(clue.closed_on)
            due_on = quarters.bounds(year, quarter)[1] + dt.timedelta(days=QUARTER_REPORT_DAYS)
            if due_on >= self.end:
                dues[(clue.assigned_org_id, year, quarter)] = due_on
        return [QuarterDue(office_id=office, year=year, quarter=quarter, due_on=due_on)
                for (office, year, quarter), due_on in sorted(dues.items())]

    def vault(self, clue: Clue) -> ReporterVault:
        name = self.name() if clue.is_real_name else ""
        phone = f"1{self.rng.choice('3589')}{self.rng.randint(0, 999_999_999):09d}"
        fields = {"name": name, "unit": self.rng.choice(["某化工厂", "某村村民委员会", "某物业公司", ""]),
                  "address": f"青山市某区某路{self.rng.randint(1, 300)}号", "phone": phone, "id_number": "",
                  "text": f"反映{clue.reported_name}{clue.summary[len(clue.reported_name) + 2:]}，请组织调查。"}
        masked = f"{mask_name(name) if name else '匿名'}（{'实名' if clue.is_real_name else '匿名'}）"
        return ReporterVault(clue=clue, masked=masked, **{f"{k}_encrypted": encrypt(v) if v else ""
                                                         for k, v in fields.items()})

    def clue(self, received: dt.date) -> tuple[Clue, dict]:
        rng = self.rng
        # One in ten concerns 市生态环境局, where the clue_blocked login also works.
        unit = self.city.city_units["eco"] if rng.random() < 0.1 else rng.choice(self.units)
        reported = self.name()
        matter = rng.choice(MATTERS)
        source = rng.choices([Source.LETTER, Source.VISIT, Source.PHONE, Source.WEB_12388], [4, 2, 2, 3])[0]
        year = received.year
        intake = self.take(f"clue-intake:{self.commission.pk}", year)
        clue = Clue(commission=self.commission, intake_ref=f"收{self.commission.region.code}-{year}-{intake:05d}",
                    source=source, received_on=received, reported_unit=unit, reported_name=reported,
                    reported_post=rng.choice(POSTS), summary=f"反映{reported}{matter}。",
                    is_real_name=rng.random() < 0.45, created_by=rng.choice(self.xinfang))
        plan = {"vault": rng.random() < 0.85 or clue.is_real_name, "letters": [], "steps": []}
        xf = rng.choice(self.xinfang)
        xinfang_org = self.city.offices["xinfang"]
        day = received
        # Three in ten stop early on their way, so every state of the loop has clues waiting in it.
        cap = [rng.randint(0, 9) if rng.random() < 0.3 else 99]

        def step(action, to_state, actor, org, gap=(1, 4)) -> bool:
            """Advance one step `gap` days later, unless that lies after the demo's today (then stop here)."""
            nonlocal day
            nxt = day + dt.timedelta(days=rng.randint(*gap))
            if nxt > self.end or cap[0] <= 0:
                return False
            cap[0] -= 1
            day = nxt
            plan["steps"].append((action, clue.state, to_state, actor, org, day))
            clue.state = to_state
            return True

        plan["steps"].append((Action.CREATE, "", State.RECEIVED, xf, xinfang_org, day))
        fate = rng.random()
        if fate < 0.07:
            step(Action.MARK_DUPLICATE, State.DUPLICATE, xf, xinfang_org)
            plan["vault"] = plan["vault"] and rng.random() < 0.5
            return clue, plan
        if fate < 0.12:
            if step(Action.NOT_ACCEPT, State.NOT_ACCEPTED, xf, xinfang_org):
                clue.screening_note = "反映内容不属于纪检监察机关受理范围，已告知向有关部门反映。"
            return clue, plan
        if fate < 0.15:
            clue.forward_due = add_working_days(received, 5)
            if step(Action.FORWARD_UP, State.UP_PENDING, xf, xinfang_org, (0, 1)) and rng.random() < 0.7 and step(
                    Action.FORWARD_UP_SENT, State.FORWARDED_UP, xf, xinfang_org, (1, 6)):
                clue.forwarded_on = day
                clue.forwarded_on_time = day <= clue.forward_due
            return clue, plan
        if fate < 0.22:
            if not step(Action.TRANSFER_DOWN, State.DOWN_PENDING, xf, xinfang_org, (1, 2)):
                return clue, plan
            clue.down_to, clue.down_accept_due = self.lvshui, add_working_days(day, 5)
            if rng.random() < 0.7 and step(Action.ACCEPT_DOWN, State.ACCEPTED, rng.choice(self.district), self.lvshui,
                                           (1, 8)):
                clue.down_accepted_on, clue.down_accepted_on_time = day, day <= clue.down_accept_due
                clue.transferred_from, clue.commission, clue.down_to = self.commission, self.lvshui, None
            return clue, plan
        if not step(Action.ACCEPT, State.ACCEPTED, xf, xinfang_org, (1, 3)):
            return clue, plan
        if clue.is_real_name:
            clue.acceptance_notice_due = add_working_days(received, 15)
            notified = day + dt.timedelta(days=rng.choice([2, 5, 9, 12, 25]))
            if notified <= self.end:
                clue.acceptance_notified_on = notified
                clue.acceptance_notified_on_time = notified <= clue.acceptance_notice_due
        self.handle(clue, plan, step, lambda: day)
        return clue, plan

    def handle(self, clue: Clue, plan: dict, step, today) -> None:
        rng, commission = self.rng, self.commission
        anguan_org = self.city.offices["anguan"]
        ag = rng.choice(self.anguan)
        if not step(Action.REGISTER, State.NUMBERED, ag, anguan_org, (0, 2)):
            return
        year = today().year
        clue.number_year, clue.number_seq = year, self.take(f"clue:{commission.pk}", year)
        clue.number = f"{commission.short_name or commission.name}线〔{year}〕{clue.number_seq}号"
        clue.registered_at = _at(today(), 10)
        team = rng.choice(self.teams)
        if not step(Action.ASSIGN, State.ASSIGNED, ag, anguan_org, (0, 2)):
            return
        clue.assigned_org, clue.assigned_at = team, _at(today(), 11)
        officer = rng.choice(self.city.staff[team.pk])
        if not step(Action.SIGN, State.HANDLING, officer, team, (0, 2)):
            return
        clue.signed_at = _at(today(), 9)
        disposal = rng.choices(list(Disposal), [40, 25, 10, 20, 5])[0]
        if not step(Action.PROPOSE, State.PROPOSED, officer, team, (2, 8)):
            return
        clue.proposed_disposal, clue.proposal_reason = disposal, f"经分析研判，拟{Disposal(disposal).label}。"
        if disposal == Disposal.INQUIRY:
            clue.inquiry_matters = f"请就反映你{clue.summary[len(clue.reported_name) + 2:-1]}的问题作出说明。"
        if not step(Action.STUDY, State.STUDIED, officer, team, (1, 5)):
            return
        clue.study_date, clue.study_attendees = today(), "委分管领导、承办部门负责人、案管室负责人"
        clue.study_record = f"集体研究同意{Disposal(disposal).label}，报委领导审批。"
        clue.signing_leader = self.leader  # the named 签批领导, who alone approves
        approve = {Disposal.INQUIRY: (Action.APPROVE_INQUIRY, State.INQUIRY),
                   Disposal.VERIFY: (Action.APPROVE_VERIFY, State.VERIFYING),
                   Disposal.SHELVE: (Action.APPROVE_SHELVE, State.SHELVED),
                   Disposal.CLOSE: (Action.APPROVE_CLOSE, State.CLOSED),
                   Disposal.CASE: (Action.APPROVE_CASE, State.CASE)}[disposal]
        if not step(*approve, self.leader, commission, (1, 4)):
            return
        clue.disposal, clue.approved_by, clue.approved_at = disposal, self.leader, _at(today(), 15)
        if disposal == Disposal.SHELVE:
            clue.review_due = today() + dt.timedelta(days=rng.choice([30, 60, 90, 180]))
        elif disposal in (Disposal.CLOSE, Disposal.CASE):
            self.close(clue, Outcome.CLOSED if disposal == Disposal.CLOSE else Outcome.CASE, today())
        elif disposal == Disposal.INQUIRY:
            self.inquiry(clue, plan, step, today, officer, team)
        elif disposal == Disposal.VERIFY:
            self.verify(clue, step, today, officer, team)

    def inquiry(self, clue, plan, step, today, officer, team) -> None:
        rng, year = self.rng, today().year
        seq = self.take(f"clue-letter:{clue.commission_id}", year)
        letter = {"number": f"{clue.commission.short_name or clue.commission.name}函〔{year}〕{seq}号", "year": year,
                  "seq": seq, "matters": clue.inquiry_matters, "sent_on": today(),
                  "reply_due": add_working_days(today(), 15)}
        plan["letters"].append(letter)
        if not step(Action.RECORD_REPLY, State.INQUIRY, officer, team, (5, 24)):
            return
        letter.update(replied_on=today(), replied_on_time=today() <= letter["reply_due"],
                      reply_text="本人已如实说明有关情况，所反映问题不属实。")
        outcome = rng.choices([Outcome.CLEARED, Outcome.REMINDED, Outcome.CRITICISED, None], [50, 25, 15, 10])[0]
        if outcome is None:
            if step(Action.INQUIRY_VERIFY, State.VERIFYING, officer, team, (2, 6)):
                clue.disposal = Disposal.VERIFY
                self.verify(clue, step, today, officer, team)
            return
        action = {Outcome.CLEARED: Action.INQUIRY_CLEAR, Outcome.REMINDED: Action.INQUIRY_REMIND,
                  Outcome.CRITICISED: Action.INQUIRY_CRITICISE}[outcome]
        if step(action, State.CLOSED, officer, team, (2, 8)):
            self.close(clue, outcome, today())

    def verify(self, clue, step, today, officer, team) -> None:
        outcome = self.rng.choices([Outcome.CASE, Outcome.CLOSED, Outcome.REMINDED, None, Outcome.TRANSFERRED],
                                   [20, 40, 20, 10, 10])[0]
        action, to_state = {Outcome.CASE: (Action.VERIFY_CASE, State.CASE),
                            Outcome.CLOSED: (Action.VERIFY_CLOSE, State.CLOSED),
                            Outcome.REMINDED: (Action.VERIFY_REMIND, State.CLOSED),
                            None: (Action.VERIFY_SHELVE, State.SHELVED),
                            Outcome.TRANSFERRED: (Action.VERIFY_TRANSFER, State.CLOSED)}[outcome]
        if not step(action, to_state, officer, team, (15, 45)):
            return
        clue.verification_report = "经初步核实，所反映问题部分属实，详见核实报告。"
        clue.verification_signers = f"{officer.full_name}、{self.city.heads[team.pk].full_name}"
        if outcome is None:
            clue.disposal, clue.review_due = Disposal.SHELVE, today() + dt.timedelta(days=90)
            return
        if outcome == Outcome.CASE:
            clue.disposal = Disposal.CASE
        self.close(clue, outcome, today())

    def close(self, clue: Clue, outcome: str, day: dt.date) -> None:
        clue.outcome, clue.closed_on = outcome, day
        if clue.is_real_name:
            clue.result_notice_due = add_working_days(day, 15)
            told = day + dt.timedelta(days=self.rng.choice([3, 7, 12, 30]))
            if told <= self.end:
                clue.result_notified_on, clue.result_notified_on_time = told, told <= clue.result_notice_due

    def transfers(self, clues: list[Clue]) -> int:
        """A few problems of the work loop transferred as clues: the transfer record, and the event on each side,
        dated at the end of the history (the problems' log stays in time order)."""
        last = AuditEvent.objects.filter(object_type="problems.problem").order_by("-seq").values_list(
            "created_at", flat=True).first()
        problems = list(Problem.objects.filter(supervising_org__isnull=False).select_related("supervising_org")
                        .order_by("pk")[:400])
        if last is None or not problems:
            return 0
        chosen = self.rng.sample(problems, min(TRANSFERS, len(problems)))
        candidates = [c for c in clues if c.state == State.RECEIVED and c.commission_id == self.commission.pk]
        pairs = list(zip(chosen, candidates, strict=False))
        pairs = [(p, c) for p, c in pairs if self.city.staff.get(p.supervising_org_id)]
        by = {p.pk: self.rng.choice(self.city.staff[p.supervising_org_id]) for p, _c in pairs}
        reason = "办理中发现有关人员涉嫌失职失责"
        ProblemTransfer.objects.bulk_create([ProblemTransfer(problem=p, clue=c, reason=reason, by=by[p.pk])
                                             for p, c in pairs])
        Clue.objects.filter(pk__in=[c.pk for _p, c in pairs]).update(source=Source.TRANSFER)
        for problem, clue in pairs:
            self.events.append(EventSpec(object_type="problems.problem", object_id=problem.pk,
                                         action=ProblemAction.TRANSFER_CLUE, actor=by[problem.pk],
                                         actor_org=problem.supervising_org, from_state=problem.state,
                                         to_state=problem.state, internal=True, created_at=last, reason=reason,
                                         payload={"clue": clue.intake_ref}))
        return len(pairs)


def _blocked_login(city) -> None:
    """clue_blocked (信访 and 案管 roles in name) also handles files in 市生态环境局: every clue about it is hidden."""
    user = User.objects.get(username="clue_blocked")
    Membership.objects.get_or_create(user=user, organisation=city.offices["anguan"], role=Role.ANGUAN_STAFF)
    Membership.objects.get_or_create(user=user, organisation=city.city_units["eco"], role=Role.UNIT_HANDLER)


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """Seed the discipline loop of the demo city; returns a one-line summary."""
    count, transferred = _Clues(city, rng, end).run()
    _blocked_login(city)
    hidden = Clue.objects.filter(reported_unit=city.city_units["eco"]).count()
    return (f"问题线索：{count} 条（其中由工作闭环移送 {transferred} 条）；"
            f"回避演示账号 clue_blocked 看不到反映市生态环境局的 {hidden} 条线索。")
