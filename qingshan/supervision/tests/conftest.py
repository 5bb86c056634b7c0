"""The supervision test world: the shared test world plus a plan, a task with an indicator, and one monthly item
assigned to the stationed group and the 绿水区 commission, on the fixed date WORLD_NOW (2026-03-02)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from qingshan.orgs.choices import OrgKind, Role
from qingshan.orgs.models import Membership, Organisation, User
from qingshan.problems.models import Source
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.supervision import services
from qingshan.supervision.choices import ActivityKind


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


def person(username, full_name, org, role):
    user = User.objects.create_user(username=username, password="Qingshan#2026", full_name=full_name)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def sw(world) -> SimpleNamespace:
    w = world
    w.report_source = Source.objects.create(code="report", name="监督报告")
    w.group_head = person("group_head", "刘组长", w.group, Role.GROUP_HEAD)
    w.district_head = person("district_head", "黄区纪委", w.lvshui_commission, Role.DISTRICT_HEAD)
    w.group2 = Organisation.objects.create(name="驻市水务局纪检监察组", kind=OrgKind.STATIONED_GROUP, region=w.city,
                                           parent=w.commission)
    w.group2_staff = person("group2_staff", "马派驻", w.group2, Role.GROUP_STAFF)
    w.plan = services.plan_create(actor=w.officer, commission=w.commission, year=2026, title="2026年度生态环境监督计划",
                                  themes=["长江大保护", "污染防治攻坚"])
    w.theme = w.plan.themes.get(name="长江大保护")
    w.task = services.task_create(actor=w.officer, theme=w.theme, title="长江干流岸线整治", office=w.office,
                                  lead_unit=w.water, leader=w.leader)
    w.indicator = services.indicator_create(
        actor=w.officer, task=w.task, name="岸线整治完成率", unit="%", baseline=0, target=100, direction="ge",
        start_date=dt.date(2026, 1, 1), deadline=dt.date(2026, 12, 31))
    w.item = services.item_create(
        actor=w.officer, plan=w.plan, title="入河排污口整治监督", content="排污口排查、监测、溯源、整治进展",
        basis="《长江保护法》", office=w.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
        cadence="monthly", due_days=5, task=w.task)
    services.item_assign(actor=w.officer, item=w.item, orgs=[w.group, w.lvshui_commission])
    w.slot = w.item.slots.get(org=w.group, period_start=dt.date(2026, 1, 1))
    w.district_slot = w.item.slots.get(org=w.lvshui_commission, period_start=dt.date(2026, 1, 1))
    return w


def activity(**overrides) -> dict:
    base = {"kind": ActivityKind.SITE_VISIT, "happened_on": dt.date(2026, 1, 20), "note": "实地查看3处排污口"}
    return base | overrides


def submit(w, slot=None, actor=None, **kwargs):
    kwargs.setdefault("activities", [activity()])
    return services.report_submit(actor=actor or w.group_staff, slot=slot or w.slot,
                                  summary=kwargs.pop("summary", "本月完成排污口核查。"), **kwargs)
