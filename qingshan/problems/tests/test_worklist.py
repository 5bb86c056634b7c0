"""我的待办 gathered through the plug-in registry (core.worklist) has exactly the queues, labels and items the
problems app's inbox had before (the reference below is its former `inbox_queues`, kept verbatim)."""
import datetime as dt

import pytest
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.problems import visible_problems
from qingshan.core.registry import plugins
from qingshan.core.worklist import work_queues
from qingshan.problems import kpis, services
from qingshan.problems import worklist as problem_worklist
from qingshan.problems.choices import TERMINAL_STATES, Action, ExtensionStatus, State
from qingshan.problems.models import Extension, Problem
from qingshan.problems.testing.flows import drive_to, with_pending_extension

USERS = ("officer", "office_head", "xinfang", "leader", "readonly", "group_staff", "district_staff", "eco_handler",
         "eco_head", "water_handler", "housing_handler", "urban_handler", "partner_staff", "outsider")


PROBLEM_QUEUES = {q.key for q in problem_worklist.QUEUES}


def former_inbox_queues(user) -> list[tuple[str, str, set[int]]]:
    """The queues as problems/selectors.py::inbox_queues built them."""
    profile = profile_of(user)
    visible = visible_problems(user)
    today = timezone.localdate()
    queues = []
    if profile.unit_ids:
        mine = visible.filter(lead_unit_id__in=profile.unit_ids)
        queues += [
            ("to_sign", "待签收", mine.filter(state=State.DISPATCHED)),
            ("to_handle", "办理中", mine.filter(state__in=[State.SIGNED, State.IN_PROGRESS])),
            ("rejected", "被发回重办", mine.filter(state=State.IN_PROGRESS, rejection_count__gte=1)),
            ("unit_overdue", "已超期", mine.filter(kpis.overdue(today))),
        ]
    if profile.supervising:
        queues += [
            ("to_dispatch", "待交办", visible.filter(state__in=[State.RECEIVED, State.RETURNED])),
            ("to_review", "待审核", visible.filter(state=State.REPLIED)),
            ("extensions", "延期待审批", visible.filter(Exists(Extension.objects.filter(
                problem=OuterRef("pk"), status=ExtensionStatus.PENDING)))),
            ("overdue", "已超期", visible.filter(kpis.overdue(today))),
        ]
    if profile.partner_ids:
        queues.append(("shared", "移送本单位（未办结）", visible.exclude(state__in=TERMINAL_STATES)))
    return [(key, label, set(qs.values_list("pk", flat=True))) for key, label, qs in queues]


@pytest.fixture
def busy(world):
    """Problems in every queue: registered, dispatched, signed, redone, replied, closed, overdue, an extension
    pending, one shared with the partner body, one led by a district unit."""
    drive_to(world, State.RECEIVED)
    drive_to(world, State.DISPATCHED)
    drive_to(world, State.SIGNED)
    drive_to(world, State.REPLIED)
    drive_to(world, State.CLOSED)
    drive_to(world, State.DISPATCHED, lead=world.lvshui_housing, handler=world.housing_handler,
             region=world.lvshui)
    with_pending_extension(world, State.IN_PROGRESS)
    redone = drive_to(world, State.REPLIED)
    services.problem_review(actor=world.officer, problem=redone, decision=Action.REJECT, comment="证据不足")
    late = drive_to(world, State.IN_PROGRESS)
    Problem.objects.filter(pk=late.pk).update(handle_deadline=timezone.localdate() - dt.timedelta(days=3))
    services.problem_share(actor=world.officer, problem=drive_to(world, State.IN_PROGRESS), partner=world.partner,
                           reason="联合督办")
    return world


def test_the_registry_finds_the_problems_queues():
    assert "qingshan.problems.worklist" in {m.__name__ for m in plugins("worklist")}


def test_every_users_queues_are_the_former_ones(busy):
    seen_any = set()
    for name in USERS:
        user = getattr(busy, name)
        user = type(user).objects.get(pk=user.pk)  # a fresh profile for each
        gathered = [(q.key, q.label, set(q.queryset.values_list("pk", flat=True))) for q in work_queues(user=user)
                    if q.key in PROBLEM_QUEUES]
        assert gathered == former_inbox_queues(user), name
        seen_any |= {key for key, _label, pks in gathered if pks}
    assert seen_any == {"to_sign", "to_handle", "rejected", "unit_overdue", "to_dispatch", "to_review",
                        "extensions", "overdue", "shared"}


def test_the_page_and_the_api_show_the_gathered_queues(client, busy):
    client.force_login(busy.officer)
    body = client.get(reverse("inbox") + "?section=own&queue=to_review").content.decode()
    replied = Problem.objects.filter(state=State.REPLIED).first()
    # The officer registered it: it is among their own items (first), not the office's others.
    assert 'data-queue="to_review" data-count="1">待审核 <span class="badge text-bg-light">1</span>' in body
    assert 'data-queue="to_review" data-count="0">待审核' in body
    assert replied.number in body
    data = client.get("/api/inbox/").json()
    assert [q["key"] for q in data if q["key"] in PROBLEM_QUEUES] == ["to_dispatch", "to_review", "extensions",
                                                                       "overdue"]
    assert {q["key"]: (q["count"], q["own_count"]) for q in data}["to_review"] == (1, 1)


def login(client, user):
    client.force_login(user)
    return client


def test_a_handlers_own_problems_come_first_then_the_units(client, world):
    mine = [drive_to(world, State.SIGNED, title=f"本人签收{n}") for n in range(2)]
    colleagues = drive_to(world, State.SIGNED, handler=world.eco_head, title="同事签收")
    body = login(client, world.eco_handler).get(reverse("inbox")).content.decode()
    own, org = body.index('data-section="own"'), body.index('data-section="org"')
    assert own < org  # 本人事项 above 本单位事项
    assert 'data-queue="to_handle" data-count="2">办理中' in body[own:org]
    assert 'data-queue="to_handle" data-count="1">办理中' in body[org:]
    # The first page opens on the person's own items.
    listed = body[body.index('id="worklist-items"'):]
    assert 'data-chosen-section="own"' in listed[:60]
    assert all(p.number in listed for p in mine) and colleagues.number not in listed
    org_page = client.get(reverse("inbox") + "?section=org&queue=to_handle").content.decode()
    listed = org_page[org_page.index('id="worklist-items"'):]
    assert colleagues.number in listed and not any(p.number in listed for p in mine)


@pytest.mark.parametrize("name", ["officer", "eco_handler", "group_staff", "partner_staff", "leader"])
def test_the_inbox_query_count_does_not_grow_with_items(client, busy, name, assert_query_baseline,
                                                        django_assert_max_num_queries):
    login(client, getattr(busy, name))
    with assert_query_baseline(f"inbox page ({name})") as small:
        client.get(reverse("inbox"))
    for _ in range(4):
        drive_to(busy, State.SIGNED)
        drive_to(busy, State.REPLIED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("inbox"))
