"""The inbox's filters (colour, kind, unit, read/unread), grouping (by colour, by unit), 全部标为已读 with the
current filters, and reminders read by opening their item's page."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to
from qingshan.reminders.models import Notification, Reminder

INBOX = "/reminders/"


def remind(user, problem, stage, days_ago=0):
    """Set-up: the reminder the sweep would have produced for `problem` at `stage`, in `user`'s inbox."""
    now = timezone.now() - dt.timedelta(days=days_ago)
    reminder = Reminder.objects.create(kind="problems.handle", object_id=problem.pk, stage=stage, status="done",
                                       deadline=problem.handle_deadline, created_at=now,
                                       url=reverse("problems:detail", args=[problem.pk]))
    return Notification.objects.create(reminder=reminder, user=user, created_at=now)


@pytest.fixture
def officers_inbox(world):
    """The officer's inbox: red and blue for a problem of the ecology bureau, yellow for one of the water bureau."""
    eco = drive_to(world, State.SIGNED, title="生态局问题")
    water = drive_to(world, State.SIGNED, lead=world.water, handler=world.water_handler, title="水务局问题")
    return {"eco_red": remind(world.officer, eco, "red", 3), "eco_blue": remind(world.officer, eco, "blue", 2),
            "water_yellow": remind(world.officer, water, "yellow", 1), "eco": eco, "water": water}


def shown(client, query=""):
    body = client.get(f"{INBOX}?{query}").content.decode()
    return body, [int(part.split('"')[0]) for part in body.split('id="notification-')[1:]]


def test_filters_by_colour_unit_kind_and_read(client, world, officers_inbox):
    n = officers_inbox
    client.force_login(world.officer)
    assert shown(client)[1] == [n["water_yellow"].pk, n["eco_blue"].pk, n["eco_red"].pk]  # newest first
    assert shown(client, "stage=red")[1] == [n["eco_red"].pk]
    assert shown(client, f"unit={world.water.pk}")[1] == [n["water_yellow"].pk]
    assert shown(client, "kind=problems.sign")[1] == []
    Notification.objects.filter(pk=n["eco_blue"].pk).update(read_at=timezone.now())
    assert shown(client, "tab=read")[1] == [n["eco_blue"].pk]
    assert shown(client, "tab=unread")[1] == [n["water_yellow"].pk, n["eco_red"].pk]


def test_grouping_by_colour_puts_the_most_urgent_first_and_by_unit_under_each_units_name(client, world,
                                                                                          officers_inbox):
    n = officers_inbox
    client.force_login(world.officer)
    body, ids = shown(client, "group=colour")
    assert ids == [n["eco_red"].pk, n["water_yellow"].pk, n["eco_blue"].pk]
    assert body.index('data-group="red"') < body.index('data-group="yellow"') < body.index('data-group="blue"')
    body, ids = shown(client, "group=unit")
    names = sorted([world.eco.name, world.water.name])
    assert body.index(f'">{names[0]}</h2>') < body.index(f'">{names[1]}</h2>')
    assert body.count('class="h6 mt-3 mb-1 qs-group"') == 2


def test_a_bad_filter_is_refused_in_chinese_and_shows_the_unread(client, world, officers_inbox):
    client.force_login(world.officer)
    response = client.get(f"{INBOX}?stage=purple&unit=abc")
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()


def test_mark_all_read_reads_only_what_the_filter_shows_with_one_audit_event(client, world, officers_inbox):
    n = officers_inbox
    client.force_login(world.officer)
    response = client.post(reverse("reminders:read_all"), {"tab": "unread", "unit": world.eco.pk})
    assert response.status_code == 302 and response.url == f"{INBOX}?tab=unread&unit={world.eco.pk}"
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {n["eco_red"].pk, n["eco_blue"].pk}
    event = AuditEvent.objects.get(action="read_all")
    assert event.actor == world.officer and sorted(event.payload["notifications"]) == sorted(read)
    # Another person cannot read the officer's inbox by posting the same filters.
    client.force_login(world.eco_handler)
    client.post(reverse("reminders:read_all"), {"tab": "unread"})
    assert Notification.objects.get(pk=n["water_yellow"].pk).read_at is None


def test_opening_the_items_page_reads_the_visitors_reminders_of_it(client, world, officers_inbox):
    n = officers_inbox
    other = Notification.objects.create(reminder=n["eco_red"].reminder, user=world.eco_handler,
                                        created_at=timezone.now())
    client.force_login(world.officer)
    page = reverse("problems:detail", args=[n["eco"].pk])
    client.get(page, HTTP_HX_REQUEST="true")  # a partial is not an opening
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    response = client.get(page)
    assert response.status_code == 200 and response.context["reminders_unread"] == 1  # counted after reading
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {n["eco_red"].pk, n["eco_blue"].pk}  # not the water problem's, not the handler's
    assert other.pk not in read
    assert AuditEvent.objects.get(action="read_on_open").payload["page"] == page


def test_the_count_badge_and_unit_choices_follow_the_tab_and_filters(client, world, officers_inbox):
    """The page's count (共 N 条), the badge and the unit filter's choices come from one pass over the inbox: each
    still agrees with the rows shown, whatever the tab, colour or unit, snoozed and read ones included."""
    n = officers_inbox
    Notification.objects.filter(pk=n["eco_blue"].pk).update(snoozed_until=timezone.localdate() + dt.timedelta(days=3),
                                                           snooze_reason="等材料")
    Notification.objects.filter(pk=n["water_yellow"].pk).update(read_at=timezone.now())
    client.force_login(world.officer)
    for query, rows in (("tab=unread", [n["eco_red"]]), ("tab=snoozed", [n["eco_blue"]]),
                        ("tab=all", [n["water_yellow"], n["eco_red"]]),
                        (f"tab=all&unit={world.water.pk}", [n["water_yellow"]]), ("tab=all&stage=blue", []),
                        (f"tab=snoozed&unit={world.eco.pk}&stage=blue", [n["eco_blue"]])):
        body, ids = shown(client, query)
        assert ids == [row.pk for row in rows], query
        assert (f"共 {len(rows)} 条" in body) == bool(rows), query
        assert '<span class="badge bg-danger" id="nav-reminders-unread">1</span>' in body
        assert f'<option value="{world.eco.pk}"' in body and f'<option value="{world.water.pk}"' in body
