"""Demo part of 青山市 for the rectification campaign: 第二轮中央生态环境保护督察反馈问题整改 with ~60 feedback items
in every state — awaiting a plan, under way on track, 黄牌 and 红牌, applied, checked and awaiting signatures,
publicly noticed with an objection, 销号 with a 回头看 due or done, and reopened as rebounds — each with milestones
planned backwards, progress posts and site-check diaries.

Rows are written in bulk with their audit events dated in the past (as the problem history is): calling the services
would stamp every step with today's date. The colours are computed by the app's own rule (planning.warning_for).
"""
import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from qingshan.audit.services import EventSpec, record_events
from qingshan.core.numbering import take_number
from qingshan.rectification.choices import (
    OPEN_STATES,
    Action,
    Condition,
    Granularity,
    Horizon,
    PostKind,
    Progress,
    RecheckResult,
    State,
)
from qingshan.rectification.models import Campaign, ConditionCheck, Item, Milestone, Objection, Post, Recheck
from qingshan.rectification.planning import backward_dates, warning_for
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

TZ = ZoneInfo("Asia/Shanghai")
OBJECT = "rectification.item"
# (fate, how many): every state of the lifecycle and every colour.
FATES = [("planning", 6), ("green", 14), ("yellow", 8), ("red", 6), ("applied", 5), ("checked", 4),
         ("notice", 4), ("closed", 8), ("rebound", 3), ("long_term", 2)]
PROBLEMS = [
    ("{unit}入河排污口整治不到位", "督察发现{region}部分入河排污口未完成溯源整治，存在偷排现象。"),
    ("{unit}黑臭水体反弹", "督察发现{region}已整治的黑臭水体出现返黑返臭。"),
    ("{unit}固体废物违规堆存", "督察发现{region}工业固废长期露天堆存，防渗措施缺失。"),
    ("{unit}自然保护区违规建设", "督察发现{region}自然保护区内存在违规建设项目未拆除。"),
    ("{unit}污水处理厂超负荷运行", "督察发现{region}污水处理厂长期超负荷，雨季溢流。"),
    ("{unit}矿山生态修复滞后", "督察发现{region}废弃矿山生态修复进度严重滞后。"),
    ("{unit}扬尘污染管控不力", "督察发现{region}建筑工地扬尘管控措施落实不到位。"),
    ("{unit}畜禽养殖污染问题", "督察发现{region}畜禽养殖废弃物直排河道。"),
]
DIARIES = ["现场查看整改进展，施工按计划推进。", "抽查点位监测数据，达标。", "督促加快进度，明确下一节点。",
           "现场核查发现个别点位仍有问题，已要求整改。", "驻点盯办，当日任务完成。"]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def _safe_dates(start: dt.date, deadline: dt.date) -> list[dt.date]:
    try:
        return backward_dates(start, deadline, Granularity.MONTH)
    except (CalendarNotAvailable, ValueError):
        return [deadline]


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """One campaign of ~60 items in every state; a one-line summary."""
    if Campaign.objects.exists():
        return "督察整改：整改工作已存在，未重复生成。"
    end = min(end, timezone.localdate())
    officer = city.users["office_staff"]
    opened = end - dt.timedelta(days=150)
    campaign = Campaign.objects.create(name="第二轮中央生态环境保护督察反馈问题整改", year=opened.year,
                                       basis="中央第二生态环境保护督察组督察反馈意见", commission=city.commission,
                                       created_by=officer, created_at=_at(opened, 9))
    # Lead units with their supervising body: a city bureau with its stationed group, a district bureau with its
    # district commission.
    pairs = [(unit, city.group_of_unit[unit.pk]) for unit in city.city_units.values() if unit.pk in city.group_of_unit]
    for district in city.districts:
        pairs += [(bureau, district.commission) for bureau in district.bureaus.values()]
    events: list[EventSpec] = []
    milestones, posts, conditions, rechecks, objections = [], [], [], [], []
    count = 0
    for fate, how_many in FATES:
        for _ in range(how_many):
            count += 1
            unit, supervisor = rng.choice(pairs)
            region = unit.region
            title, feedback = rng.choice(PROBLEMS)
            created = opened + dt.timedelta(days=rng.randint(0, 10))
            deadline = {"red": end + dt.timedelta(days=rng.randint(20, 60)),
                        "closed": end - dt.timedelta(days=rng.randint(30, 80)),
                        "rebound": end + dt.timedelta(days=rng.randint(60, 120)),
                        }.get(fate, end + dt.timedelta(days=rng.randint(10, 40) if fate in ("applied", "checked",
                                                                                          "notice") else
                                                     rng.randint(40, 200)))
            if fate == "red" and rng.random() < 0.5:
                deadline = end - dt.timedelta(days=rng.randint(3, 20))  # already overdue
            staff = city.staff.get(supervisor.pk) or [officer]
            handler = (city.handlers.get(unit.pk) or [city.heads[unit.pk]])[0]
            number = take_number(f"rectification:{city.commission.pk}", campaign.year)
            item = Item(campaign=campaign, number=f"ZG-{campaign.year}-{number:04d}",
                        title=title.format(unit=unit.short_name or unit.name, region=region.name)[:200],
                        feedback=feedback.format(region=region.name, unit=unit), region=region,
                        region_path=region.path, supervising_org=supervisor, lead_unit=unit,
                        horizon=Horizon.LONG if fate == "long_term" else rng.choice([Horizon.SHORT, Horizon.MEDIUM]),
                        deadline=deadline, original_deadline=deadline, created_by=officer,
                        created_at=_at(created, 9), state=State.PLANNING)
            item.save()
            events.append(EventSpec(OBJECT, item.pk, Action.IMPORT, officer, city.commission, "", State.PLANNING,
                                    created_at=_at(created, 9)))
            if fate == "planning":
                continue
            planned = created + dt.timedelta(days=rng.randint(3, 12))
            item.target = "按期完成整改，确保问题清零。"
            item.measures = "一是全面排查；二是分类整治；三是建立长效机制。"
            item.responsible_leader, item.responsible_person = "分管副局长", handler.full_name
            item.granularity = Granularity.MONTH
            dates = _safe_dates(planned, deadline)
            # How far along: on track, one node missed (黄牌), two or more (红牌), all done.
            done_until = {"yellow": 1, "red": 2}.get(fate, 0)
            nodes = []
            past = [d for d in dates if d < end]
            for i, due in enumerate(dates):
                finished = due < end and (fate not in ("yellow", "red") or i < len(past) - done_until)
                if fate in ("applied", "checked", "notice", "closed", "rebound", "long_term"):
                    finished = due < end or fate in ("applied", "checked", "notice", "closed")
                nodes.append(Milestone(item=item, title="完成全部整改任务" if i == len(dates) - 1 else
                                       f"第{i + 1}月节点：完成本阶段整改任务", due_on=due,
                                       done_on=min(due, end) if finished else None, done_by=handler if finished else
                                       None))
            milestones += nodes
            events.append(EventSpec(OBJECT, item.pk, Action.PLAN, handler, unit, State.PLANNING, State.IN_PROGRESS,
                                    created_at=_at(planned, 15)))
            item.state = State.IN_PROGRESS
            for k in range(rng.randint(1, 3)):
                day = min(end, planned + dt.timedelta(days=7 * (k + 1)))
                posts.append(Post(item=item, kind=PostKind.PROGRESS, happened_on=day, author=handler,
                                  text="按节点推进整改，完成本阶段任务。", author_org=unit, created_at=_at(day, 16)))
                diary_day = min(end, day + dt.timedelta(days=2))
                posts.append(Post(item=item, kind=PostKind.DIARY, happened_on=diary_day, text=rng.choice(DIARIES),
                                  author=rng.choice(staff), author_org=supervisor, created_at=_at(diary_day, 17)))
            if fate in ("yellow", "red"):
                posts.append(Post(item=item, kind=PostKind.REVIEW, happened_on=end, author=rng.choice(staff),
                                  text="进度滞后，建议约谈责任单位。", author_org=supervisor, created_at=_at(end, 9)))
            if fate == "long_term":
                item.progress = Progress.LONG_TERM
            elif fate in ("green",) and rng.random() < 0.4:
                item.progress = Progress.STAGE_DONE
            if fate in ("applied", "checked", "notice", "closed"):
                applied = end - dt.timedelta(days={"applied": 3, "checked": 8, "notice": 15, "closed": 60}[fate])
                applied = max(applied, planned + dt.timedelta(days=1))
                item.progress, item.applied_at = Progress.DONE, _at(applied, 10)
                item.applied_on_time = applied <= deadline
                item.check_due = _add(applied, 10)
                events.append(EventSpec(OBJECT, item.pk, Action.APPLY, handler, unit, State.IN_PROGRESS,
                                        State.APPLIED, created_at=_at(applied, 10)))
                item.state = State.APPLIED
            if fate in ("checked", "notice", "closed"):
                checked = item.applied_at.date() + dt.timedelta(days=2)
                head = city.heads.get(supervisor.pk)
                unit_head = city.secretaries.get(unit.pk)  # the unit signs through its 党组书记
                item.checked_at, item.check_note = _at(checked, 10), "现场核查，整改措施落实到位。"
                item.supervisor_signatory, item.unit_signatory = head, unit_head
                events.append(EventSpec(OBJECT, item.pk, Action.SITE_CHECK, rng.choice(staff), supervisor,
                                        State.APPLIED, State.CHECKED, created_at=_at(checked, 10)))
                item.state = State.CHECKED
                signed_both = fate != "checked" or rng.random() < 0.5
                if head is not None and (signed_both or rng.random() < 0.5):
                    item.supervisor_signed_at = _at(checked, 15)
                    events.append(EventSpec(OBJECT, item.pk, Action.SIGN_SUPERVISOR, head, supervisor, State.CHECKED,
                                            State.CHECKED, created_at=_at(checked, 15)))
                if unit_head is not None and signed_both:
                    item.unit_signed_at = _at(checked, 16)
                    events.append(EventSpec(OBJECT, item.pk, Action.SIGN_UNIT, unit_head, unit, State.CHECKED,
                                            State.CHECKED, created_at=_at(checked, 16)))
            if fate in ("notice", "closed"):
                start = item.checked_at.date() + dt.timedelta(days=1)
                item.notice_start, item.notice_end = start, _add(start, 5)
                events.append(EventSpec(OBJECT, item.pk, Action.PUBLISH, rng.choice(staff), supervisor, State.CHECKED,
                                        State.NOTICE, created_at=_at(start, 9)))
                item.state = State.NOTICE
                ticked = Condition.values if fate == "closed" else Condition.values[:rng.randint(1, 4)]
                conditions += [ConditionCheck(item=item, condition=c, evidence="见验收报告及现场照片",
                                              confirmed_by=rng.choice(staff), confirmed_at=_at(start, 11))
                               for c in ticked]
                if fate == "notice":
                    objections.append(Objection(item=item, raised_on=min(end, start + dt.timedelta(days=1)),
                                                raised_by="周边居民", content="夜间仍有异味。", recorded_by=officer))
            if fate in ("closed", "rebound"):
                closed_on = (item.notice_end + dt.timedelta(days=2)) if fate == "closed" else \
                    end - dt.timedelta(days=rng.randint(60, 90))
                closed_on = min(closed_on, end)
                item.closed_at = _at(closed_on, 11)
                events.append(EventSpec(OBJECT, item.pk, Action.CLOSE, rng.choice(staff), supervisor, State.NOTICE,
                                        State.CLOSED, created_at=item.closed_at))
                item.state = State.CLOSED
                due = closed_on + dt.timedelta(days=rng.choice([20, 45, 180]))
                held = fate == "closed" and rng.random() < 0.25
                recheck = Recheck(item=item, due_on=due)
                if held:
                    recheck.due_on = min(due, end)
                    recheck.result, recheck.note = RecheckResult.HELD, "回头看，整改成果巩固。"
                    recheck.done_by, recheck.done_at = staff[0], _at(recheck.due_on, 14)
                rechecks.append(recheck)
            if fate == "rebound":
                found = end - dt.timedelta(days=rng.randint(5, 20))
                rechecks[-1].result, rechecks[-1].note = RecheckResult.REBOUND, "回头看发现问题反弹。"
                rechecks[-1].done_by, rechecks[-1].done_at = staff[0], _at(found, 14)
                item.state, item.rebound_count, item.closed_at = State.IN_PROGRESS, 1, None
                events.append(EventSpec(OBJECT, item.pk, Action.REBOUND, staff[0], supervisor, State.CLOSED,
                                        State.IN_PROGRESS, created_at=_at(found, 14)))
            item._nodes = nodes  # type: ignore[attr-defined]  # for the colour below
            _colour(item, end)
            item.save()
    Milestone.objects.bulk_create(milestones)
    Post.objects.bulk_create(posts)
    ConditionCheck.objects.bulk_create(conditions)
    Recheck.objects.bulk_create(rechecks)
    Objection.objects.bulk_create(objections)
    events.sort(key=lambda e: e.created_at)
    record_events(events)
    states = Item.objects.filter(campaign=campaign).values_list("state", flat=True)
    return (f"督察整改：1 项整改工作，{count} 个整改事项（已销号 {sum(1 for s in states if s == State.CLOSED)} 个），"
            f"节点 {len(milestones)} 个，进展与核查日记 {len(posts)} 条。")


def _add(day: dt.date, days: int) -> dt.date:
    try:
        return add_working_days(day, days)
    except CalendarNotAvailable:
        return day + dt.timedelta(days=days + 2)


def _colour(item: Item, today: dt.date) -> None:
    if item.state not in OPEN_STATES:
        return
    colour = warning_for(today=today, deadline=item.deadline,
                         open_due_dates=[m.due_on for m in item._nodes if m.done_on is None])  # type: ignore[attr-defined]
    item.warning, item.missed_milestones, item.warning_on = colour.warning, colour.missed, today
