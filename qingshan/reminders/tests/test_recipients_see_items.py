"""Every recipient a kind chooses can see the item through the access selectors, so hiding the notifications of items a
reader may not see drops no legitimate reminder: unit handlers and heads, supervisors, escalation heads and commission
leaders (problems); report-slot assignees and their heads, indicator offices and leaders (supervision lists)."""
import datetime as dt

import pytest

from qingshan.access.reminders import visible_notifications
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User
from qingshan.problems import services as problem_services
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.reminders.choices import Stage
from qingshan.reminders.models import Notification
from qingshan.supervision import services as supervision_services
from qingshan.supervision.models import Indicator
from qingshan.supervision.tests.conftest import sw  # noqa: F401 - the supervision test world, as a fixture

D = dt.date


def _person(username, org, role):
    user = User.objects.create_user(username=username, password="Qingshan#2026", full_name=username)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def _hidden_from_their_recipients() -> list[tuple[str, str, str]]:
    """(kind, stage, username) of every notification its own recipient cannot see."""
    hidden = []
    for n in Notification.objects.select_related("reminder", "user"):
        if not visible_notifications(n.user).filter(pk=n.pk).exists():
            hidden.append((n.reminder.kind, n.reminder.stage, n.user.username))
    return hidden


def _recipients(kind: str, stages) -> set[str]:
    return set(Notification.objects.filter(reminder__kind=kind, reminder__stage__in=stages)
               .values_list("user__username", flat=True))


def _problem(world, time_machine, *, actor, lead, region=None, sign=True, extension=False):
    """A problem dispatched by `actor` to `lead` on WORLD_NOW, signed unless told not, due Fri 20 Mar 2026."""
    time_machine.move_to(WORLD_NOW, tick=False)
    problem = new_problem(world, actor=actor, region=region)
    problem = problem_services.problem_dispatch(actor=actor, problem=problem, lead_unit=lead)
    handler = next(m.user for m in Membership.objects.filter(organisation=lead, role=Role.UNIT_HANDLER))
    if sign:
        problem = problem_services.problem_sign(actor=handler, problem=problem)
    Problem.objects.filter(pk=problem.pk).update(handle_deadline=D(2026, 3, 20))
    problem.refresh_from_db()
    if extension:
        problem_services.problem_request_extension(actor=handler, problem=problem, requested_deadline=D(2026, 3, 31),
                                                   reason="需要第三方检测")
    return problem


def test_every_problem_reminder_is_visible_to_each_of_its_recipients(world, sweep_at, time_machine):
    group_head = _person("group_head", world.group, Role.GROUP_HEAD)
    district_head = _person("district_head", world.lvshui_commission, Role.DISTRICT_HEAD)
    for actor, lead, region in ((world.officer, world.eco, None), (world.group_staff, world.eco, None),
                                (world.district_staff, world.lvshui_housing, world.lvshui)):
        _problem(world, time_machine, actor=actor, lead=lead, region=region, sign=False)
        _problem(world, time_machine, actor=actor, lead=lead, region=region)
        _problem(world, time_machine, actor=actor, lead=lead, region=region, extension=True)
    for day in (D(2026, 3, 19), D(2026, 3, 23), D(2026, 3, 26)):
        sweep_at(day)

    assert _hidden_from_their_recipients() == []
    units = {"eco_handler", "eco_head", "housing_handler"}
    assert _recipients("problems.sign", [Stage.RED]) == units
    assert _recipients("problems.handle", [Stage.RED]) == units
    heads = {"office_head", "leader", group_head.username, district_head.username}
    assert _recipients("problems.sign", [Stage.ESCALATED]) == heads
    assert _recipients("problems.handle", [Stage.ESCALATED]) == heads
    assert _recipients("problems.extension", [Stage.BLUE]) == {
        "officer", "office_head", "group_staff", group_head.username, "district_staff", district_head.username}


@pytest.fixture
def supervised(time_machine, request):
    """The supervision test world, built on WORLD_NOW."""
    time_machine.move_to(WORLD_NOW, tick=False)
    return request.getfixturevalue("sw")


def test_every_supervision_reminder_is_visible_to_each_of_its_recipients(supervised, sweep_at):
    w = supervised
    supervision_services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value=1,
                                               read_on=D(2026, 3, 1))
    leaderless = supervision_services.task_create(actor=w.officer, theme=w.theme, title="饮用水源地整治",
                                                  office=w.office)
    for task in (w.task, leaderless):
        indicator = supervision_services.indicator_create(
            actor=w.officer, task=task, name=f"{task.title}完成率", unit="%", baseline=0, target=100,
            direction="ge", start_date=D(2026, 1, 1), deadline=D(2026, 12, 31))
        Indicator.objects.filter(pk=indicator.pk).update(deadline=D(2026, 2, 2))  # long overdue
    sweep_at(D(2026, 3, 2))
    sweep_at(D(2026, 3, 3))

    assert _hidden_from_their_recipients() == []
    assert _recipients("supervision.report_slot", [Stage.RED]) == {
        "group_staff", "group_head", "district_staff", "district_head"}
    assert _recipients("supervision.report_slot", [Stage.ESCALATED]) == {"group_head", "district_head"}
    assert _recipients("supervision.indicator", [Stage.YELLOW, Stage.RED]) == {"officer", "office_head"}
    assert _recipients("supervision.indicator", [Stage.ESCALATED]) == {"leader"}
