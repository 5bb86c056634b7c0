"""The inbox: own notifications only, tabs, mark read, snooze with a reason (audited), unread count, page cost."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems import services as problem_services
from qingshan.problems.choices import EscalationLevel, State
from qingshan.reminders import services
from qingshan.reminders.models import Notification

from .conftest import at

D = dt.date
INBOX = "/reminders/"


@pytest.fixture
def reminded(world, dispatch, sweep_at):
    """Two overdue problems of the ecology bureau, swept on Mon 23 Mar 2026: two reminders for each member."""
    problems = [dispatch(D(2026, 3, 20)), dispatch(D(2026, 3, 20), title="工地夜间施工扬尘")]
    sweep_at(D(2026, 3, 23))
    return problems


def mine(user):
    return Notification.objects.filter(user=user).order_by("id")


def test_the_inbox_url_is_the_one_the_navbar_links_to():
    assert reverse("reminders:inbox") == INBOX


def test_a_user_sees_only_own_notifications_and_the_navbar_count(client, world, reminded):
    client.force_login(world.eco_handler)
    page = client.get(INBOX)
    assert page.status_code == 200 and page.context["reminders_unread"] == 2
    assert '<span class="badge bg-danger" id="nav-reminders-unread">2</span>' in page.content.decode()
    assert reminded[1].title in page.content.decode() and "红色超期" in page.content.decode()
    client.force_login(world.water_handler)
    page = client.get(INBOX)
    assert page.context["reminders_unread"] == 0 and reminded[1].title not in page.content.decode()
    other = mine(world.eco_handler).first()
    assert client.post(reverse("reminders:read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_the_navbar_count_stops_at_its_cap(client, world, reminded, monkeypatch):
    """Beyond the cap the badge says "N+" and the count stops there (a LIMIT), so hundreds of unread 提级督办 do not
    cost every page a visibility check each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qingshan.reminders import selectors

    monkeypatch.setattr(selectors, "BADGE_CAP", 1)
    client.force_login(world.eco_handler)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("problems:list"))
    assert '<span class="badge bg-danger" id="nav-reminders-unread">1+</span>' in page.content.decode()
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and "notification" in q["sql"]]
    assert any("LIMIT 2" in sql for sql in counts)
    # The inbox counts its unread once for its own count and the badge.
    assert '<span class="badge bg-danger" id="nav-reminders-unread">1+</span>' in client.get(INBOX).content.decode()


def test_the_badge_checks_the_visibility_of_the_kinds_in_the_inbox_only(client, world, reminded):
    """Every page shows the badge: building the item-visibility check of every app's deadline kinds cost half of a
    list page (bench/RESULTS_rectification.md). Only the kinds among the user's unread are checked, and a user with
    none pays no check at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def badge_queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("problems:list")).content.decode()
        return page, [q["sql"] for q in captured.captured_queries if "reminders_notification" in q["sql"]]

    page, queries = badge_queries(world.eco_handler)  # two unread reminders of problem deadlines
    assert '<span class="badge bg-danger" id="nav-reminders-unread">2</span>' in page
    assert any("EXISTS" in sql and "problems_problem" in sql for sql in queries)
    assert not any("rectification_item" in sql or "clues_clue" in sql for sql in queries)
    page, queries = badge_queries(world.officer)  # no reminder at all
    assert 'id="nav-reminders-unread"' not in page
    assert len(queries) == 1 and "EXISTS" not in queries[0]


def test_mark_read_by_htmx_returns_the_row_and_the_new_count(client, world, reminded):
    client.force_login(world.eco_handler)
    first = mine(world.eco_handler).first()
    answer = client.post(reverse("reminders:read", args=[first.pk]), {"tab": "unread"}, HTTP_HX_REQUEST="true")
    body = answer.content.decode()
    assert f'id="notification-{first.pk}"' in body and "已读" in body
    assert '<span id="nav-reminders-unread" class="badge bg-danger" hx-swap-oob="true">1</span>' in body
    first.refresh_from_db()
    assert first.read_at is not None
    assert AuditEvent.objects.filter(object_type="reminders.notification", object_id=first.pk, action="read",
                                     actor_id=world.eco_handler.pk).exists()
    assert client.get(INBOX).context["reminders_unread"] == 1
    assert [n.pk for n in client.get(INBOX + "?tab=all").context["items"]] == [
        n.pk for n in mine(world.eco_handler).order_by("-created_at", "-id")]


def test_snooze_hides_until_its_date_then_the_reminder_is_back(client, world, reminded, time_machine):
    client.force_login(world.eco_handler)
    first = mine(world.eco_handler).first()
    answer = client.post(reverse("reminders:snooze", args=[first.pk]),
                         {"until": "2026-03-25", "reason": "等待检测报告", "tab": "unread"})
    assert answer.status_code == 302
    first.refresh_from_db()
    assert (first.snoozed_until, first.snooze_reason) == (D(2026, 3, 25), "等待检测报告")
    event = AuditEvent.objects.get(object_type="reminders.notification", object_id=first.pk, action="snooze")
    assert event.reason == "等待检测报告" and event.payload["until"] == "2026-03-25"
    assert first.pk not in [n.pk for n in client.get(INBOX).context["items"]]
    assert [n.pk for n in client.get(INBOX + "?tab=snoozed").context["items"]] == [first.pk]
    assert client.get(INBOX).context["reminders_unread"] == 1
    time_machine.move_to(at(D(2026, 3, 25)), tick=False)
    client.force_login(world.eco_handler)  # the session has aged too
    assert first.pk in [n.pk for n in client.get(INBOX).context["items"]]
    assert client.get(INBOX).context["reminders_unread"] == 2


@pytest.mark.parametrize(("until", "reason", "message"), [
    ("2026-03-23", "理由", "暂缓日期须晚于今天。"),
    ("2026-09-01", "理由", "最多暂缓90天。"),
    ("2026-03-25", "   ", "请填写暂缓理由。"),
    ("", "理由", "请选择暂缓至哪一天。"),
    ("明天", "理由", "日期格式不正确。"),
])
def test_a_bad_snooze_changes_nothing_and_says_why(client, world, reminded, until, reason, message):
    client.force_login(world.eco_handler)
    first = mine(world.eco_handler).first()
    answer = client.post(reverse("reminders:snooze", args=[first.pk]), {"until": until, "reason": reason},
                         HTTP_HX_REQUEST="true")
    assert message in answer.content.decode()
    first.refresh_from_db()
    assert first.snoozed_until is None and not AuditEvent.objects.filter(action="snooze").exists()


def test_services_refuse_someone_elses_notification(world, reminded):
    theirs = mine(world.eco_head).first()
    with pytest.raises(PermissionRefused, match="只能处理本人的提醒。"):
        services.notification_mark_read(actor=world.eco_handler, notification=theirs)
    with pytest.raises(PermissionRefused, match="只能处理本人的提醒。"):
        services.notification_snooze(actor=world.eco_handler, notification=theirs, until=D(2026, 3, 25), reason="x")
    with pytest.raises(ServiceError, match="请填写暂缓理由。"):
        services.notification_snooze(actor=world.eco_head, notification=theirs, until=D(2026, 3, 25), reason="")


def test_inbox_page_query_count_does_not_grow_with_the_number_of_reminders(client, world, dispatch, sweep_at,
                                                                           assert_query_baseline):
    for _ in range(25):
        dispatch(D(2026, 3, 20))
    sweep_at(D(2026, 3, 23))
    client.force_login(world.eco_handler)
    with assert_query_baseline("inbox page"):
        page = client.get(INBOX + "?tab=all")
    assert len(page.context["items"]) == 25


def test_delivery_page_is_for_office_heads_and_leaders_only(client, world, reminded, assert_query_baseline):
    client.force_login(world.eco_head)
    assert client.get(reverse("reminders:deliveries")).status_code == 403
    client.force_login(world.office_head)
    with assert_query_baseline("deliveries page"):
        page = client.get(reverse("reminders:deliveries"))
    assert page.status_code == 200 and "没有发送失败的记录。" in page.content.decode()


def test_problem_escalate_by_the_system_needs_no_capacity_but_an_allowing_state(world, dispatch):
    problem = dispatch(D(2026, 3, 20))
    problem = problem_services.problem_escalate(actor=None, problem=problem, level=EscalationLevel.YELLOW,
                                                reason="系统提级")
    assert problem.escalation_level == EscalationLevel.YELLOW
    event = AuditEvent.objects.get(object_id=problem.pk, action="escalate")
    assert event.actor_id is None and event.actor_org_id is None
    from qingshan.problems.models import Problem

    Problem.objects.filter(pk=problem.pk).update(state=State.CLOSED)
    with pytest.raises(ServiceError, match="问题当前状态为“已办结”，不能督办。"):
        problem_services.problem_escalate(actor=None, problem=problem, level=EscalationLevel.RED, reason="系统提级")


def test_sweep_command_prints_a_chinese_summary(world, dispatch, time_machine, capsys):
    dispatch(D(2026, 3, 20))
    time_machine.move_to(at(D(2026, 3, 23)), tick=False)
    call_command("sweep")
    out = capsys.readouterr().out
    assert "本轮扫描：红色超期1条；站内提醒2条" in out
    call_command("sweep")
    assert "本轮扫描：无新提醒" in capsys.readouterr().out


def test_sweep_loop_stops_cleanly_on_sigterm(world, dispatch, time_machine, settings, capsys):
    import os
    import signal
    import threading

    dispatch(D(2026, 3, 20))
    time_machine.move_to(at(D(2026, 3, 23)), tick=False)
    settings.REMINDER_SWEEP_INTERVAL = 30
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("sweep", "--loop")  # returns long before the 30 s interval is over
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    out = capsys.readouterr().out
    assert "红色超期1条" in out and out.rstrip().endswith("提醒扫描已停止。")
