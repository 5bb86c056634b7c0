"""A reminder stays shown only while its reader may still see its item, by the visibility each deadline kind declares:
a problem reassigned to another unit leaves the old unit's inbox, digest and e-mail; the new unit's come as before;
a kind declaring nothing keeps its notifications shown to its recipients."""
import dataclasses
import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from qingshan.access.problems import visible_problems
from qingshan.access.reminders import visible_notifications
from qingshan.core.deadlines import DeadlineKind
from qingshan.orgs.models import User
from qingshan.problems import deadlines as problem_deadlines
from qingshan.problems import services as problem_services
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import restrict_only_to
from qingshan.reminders import services
from qingshan.reminders.choices import Channel, DeliveryStatus, Stage
from qingshan.reminders.models import Delivery, Notification
from qingshan.reminders.selectors import unread_count

from .conftest import at

D = dt.date
INBOX = reverse("reminders:inbox")


def _reassign(time_machine, problem, world, *, to, co_units=(), hour=8):
    """改派 by the office on Mon 23 Mar 2026 at `hour`."""
    time_machine.move_to(at(D(2026, 3, 23), hour), tick=False)
    return problem_services.problem_reassign(actor=world.officer, problem=problem, lead_unit=to, co_units=co_units,
                                             reason="该排口属水务局管理")


def _inbox(client, user) -> str:
    client.force_login(user)
    return client.get(INBOX + "?tab=all").content.decode()


def test_a_reassigned_problem_leaves_the_old_units_inbox_and_reaches_the_new_ones(client, world, dispatch, sweep_at,
                                                                                   time_machine):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))  # red: to the ecology bureau's handler and head
    old = {n.user_id: n for n in Notification.objects.filter(reminder__object_id=problem.pk)}
    assert set(old) == {world.eco_handler.pk, world.eco_head.pk}
    assert "化工园区雨水口偷排" in _inbox(client, world.eco_handler)

    problem = _reassign(time_machine, problem, world, to=world.water, hour=11)
    for user in (world.eco_handler, world.eco_head):
        assert "化工园区雨水口偷排" not in _inbox(client, user) and problem.number not in _inbox(client, user)
        assert unread_count(user=user) == 0
        mine = old[user.pk]
        assert client.post(reverse("reminders:read", args=[mine.pk])).status_code == 404
        assert client.post(reverse("reminders:snooze", args=[mine.pk]),
                           {"until": "2026-03-30", "reason": "等待"}).status_code == 404
        mine.refresh_from_db()
        assert mine.read_at is None and mine.snoozed_until is None

    # The new lead unit is reminded of its own deadline as before, and sees it.
    sweep_at(problem.sign_deadline + dt.timedelta(days=1))
    water = Notification.objects.get(user=world.water_handler, reminder__kind="problems.sign")
    assert water.reminder.stage == Stage.RED and water.reminder.object_id == problem.pk
    assert "化工园区雨水口偷排" in _inbox(client, world.water_handler)
    assert client.post(reverse("reminders:read", args=[water.pk])).status_code == 302
    assert "化工园区雨水口偷排" not in _inbox(client, world.eco_handler)


def test_a_unit_kept_as_co_unit_still_sees_its_reminder(client, world, dispatch, sweep_at, time_machine):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    _reassign(time_machine, problem, world, to=world.water, co_units=[world.eco], hour=11)
    assert "化工园区雨水口偷排" in _inbox(client, world.eco_handler)


def test_the_digest_leaves_out_a_problem_reassigned_since_it_was_reminded(world, dispatch, sweep_at, time_machine):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    moved, kept = dispatch(D(2026, 3, 24), title="化工园区雨水口偷排"), dispatch(D(2026, 3, 24), title="工地夜间扬尘")
    sweep_at(D(2026, 3, 23), hour=7)  # blue reminders in the inbox, the digest not yet built
    _reassign(time_machine, moved, world, to=world.water)
    sweep_at(D(2026, 3, 23), hour=9)
    digest = Delivery.objects.get(channel=Channel.DIGEST, user=world.eco_handler)
    assert digest.status == DeliveryStatus.SENT
    [message] = [m for m in mail.outbox if m.to == ["sun@eco.example"]]
    assert "工地夜间扬尘" in message.body and kept.number in message.body and "共1项" in message.subject
    assert "化工园区雨水口偷排" not in message.subject + message.body and moved.number not in message.body


def test_a_retried_email_about_a_problem_reassigned_since_is_not_sent(world, dispatch, sweep_at, time_machine,
                                                                       django_capture_on_commit_callbacks):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    delivery = Delivery.objects.get(channel=Channel.EMAIL, user=world.eco_handler)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    mail.outbox.clear()
    _reassign(time_machine, problem, world, to=world.water, hour=11)
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(actor=world.office_head, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED and "不再对收件人可见" in delivery.last_error
    assert mail.outbox == []


def test_delivery_records_keep_naming_the_item_to_an_admin_who_sees_it(client, world, dispatch, sweep_at,
                                                                       time_machine):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    Delivery.objects.filter(channel=Channel.EMAIL).update(status=DeliveryStatus.FAILED)
    _reassign(time_machine, problem, world, to=world.water, hour=11)
    client.force_login(world.office_head)  # the city's office head sees every problem of the city
    assert "化工园区雨水口偷排" in client.get(reverse("reminders:deliveries")).content.decode()


# ---------------------------------------------------------------- kinds with and without a visibility declaration


def _fake_kind(code: str, prefix: str, **kwargs) -> DeadlineKind:
    return DeadlineKind(
        code=code, label="测试期限",
        watched=lambda: Problem.objects.filter(state__in=problem_deadlines.HANDLING_STATES),
        deadline_field="handle_deadline", title=lambda p: f"{prefix}{p.title}", url=lambda p: f"/problems/{p.pk}/",
        recipients=problem_deadlines.unit_recipients, escalation_recipients=problem_deadlines.head_recipients,
        default_escalate_after_days=None, **kwargs)


@pytest.fixture
def fake_kinds(monkeypatch):
    """Two more kinds watching problems, registered like any later kind: one declares its visibility, one not."""
    kinds = [_fake_kind("tests.undeclared", "无声明："),
             _fake_kind("tests.declared", "有声明：", visible=visible_problems)]
    monkeypatch.setattr(problem_deadlines, "DEADLINE_KINDS", [*problem_deadlines.DEADLINE_KINDS, *kinds])
    return kinds


def test_a_new_kind_declaring_its_visibility_needs_no_list_and_one_declaring_none_stays_shown(
        client, world, dispatch, sweep_at, time_machine, fake_kinds):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    page = _inbox(client, world.eco_handler)
    assert "无声明：化工园区雨水口偷排" in page and "有声明：化工园区雨水口偷排" in page
    _reassign(time_machine, problem, world, to=world.water, hour=11)
    page = _inbox(client, world.eco_handler)
    # Decided: a kind that declares no visibility keeps its notifications shown to the recipients it chose.
    assert "无声明：化工园区雨水口偷排" in page
    assert "有声明：化工园区雨水口偷排" not in page
    assert set(visible_notifications(world.eco_handler).values_list("reminder__kind", flat=True)) == {
        "tests.undeclared"}


def test_restriction_hides_a_new_declaring_kind_too(client, world, dispatch, sweep_at, fake_kinds):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    restrict_only_to(problem, world.xinfang)
    assert set(visible_notifications(world.eco_head).values_list("reminder__kind", flat=True)) == {
        "tests.undeclared"}


def test_inbox_queries_do_not_grow_with_reminders_of_several_kinds(client, world, dispatch, sweep_at, time_machine,
                                                                    fake_kinds, assert_query_baseline):
    for _ in range(12):
        dispatch(D(2026, 3, 20))
    sweep_at(D(2026, 3, 23))
    assert Notification.objects.filter(user=world.eco_handler).values("reminder__kind").distinct().count() == 3
    client.force_login(world.eco_handler)
    with assert_query_baseline("inbox page"):
        page = client.get(INBOX + "?tab=all")
    assert len(page.context["items"]) == 30  # a full page of the 36


def _unit_options(client, user) -> set[str]:
    """The names the inbox's 单位 filter offers `user`."""
    client.force_login(user)
    return {label for value, label in client.get(INBOX).context["filter_form"].fields["unit"].choices if value}


def test_the_unit_filter_offers_the_units_of_items_still_seen_of_every_kind(client, world, dispatch, sweep_at,
                                                                             time_machine, fake_kinds):
    # The two kinds name the problem's lead unit: its unit is offered while a notification of it is shown, and a
    # hidden notification offers none.
    with_unit = [dataclasses.replace(kind, unit="lead_unit") for kind in fake_kinds]
    problem_deadlines.DEADLINE_KINDS[-2:] = with_unit
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    assert _unit_options(client, world.eco_handler) == {world.eco.name}
    _reassign(time_machine, problem, world, to=world.water, hour=11)
    # Still shown through the kind declaring no visibility, under the problem's unit now.
    assert _unit_options(client, world.eco_handler) == {world.water.name}
    problem_deadlines.DEADLINE_KINDS[-2:] = [dataclasses.replace(with_unit[0], visible=visible_problems), with_unit[1]]
    assert _unit_options(client, world.eco_handler) == set()


def test_the_inbox_checks_the_visibility_of_the_kinds_its_reader_has_only(client, world, dispatch, sweep_at):
    # Every declared kind's rule in every inbox query cost PostgreSQL 15-25 ms of planning each
    # (bench/RESULTS_pages_audience.md): a unit's handler with problem reminders only has none of the other tables read.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    client.force_login(world.eco_handler)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(INBOX + "?tab=all&group=unit").content.decode()
    assert "化工园区雨水口偷排" in page
    sql = "\n".join(query["sql"] for query in captured.captured_queries)
    for table in ("clues_clue", "clues_inquiryletter", "supervision_reportslot", "rectification_item",
                  "collaboration_task", "instruments_instrument"):
        assert table not in sql, table
