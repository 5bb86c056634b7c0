"""What the app plugs into the platform: the reminder engine's deadlines (a missed milestone reminds the unit), the
我的待办 queues (a signature waits for the named person only), the 督察整改清单 ledger (a unit sees its own items) and
the API (the same action table, refusing what it refuses)."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse

from qingshan.core.worklist import work_queues
from qingshan.ledgers.specs import ledger
from qingshan.rectification.choices import State
from qingshan.rectification.testing.flows import PASSWORD, drive_to, new_item, plan
from qingshan.reminders.models import Notification, Reminder
from qingshan.reminders.sweep import run_sweep


def test_a_milestone_due_reminds_the_unit_and_a_missed_one_is_overdue(rw):
    item = plan(rw, new_item(rw))  # first node 2026-03-31
    run_sweep(dt.datetime(2026, 3, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    reminder = Reminder.objects.get(kind="rectification.milestone")
    assert reminder.deadline == dt.date(2026, 3, 31) and reminder.url.endswith(f"/items/{item.pk}/")
    told = set(Notification.objects.filter(reminder=reminder).values_list("user__username", flat=True))
    assert told == {"eco_handler", "eco_head", "eco_secretary"}  # the unit's people, its 党组书记 too
    run_sweep(dt.datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert Reminder.objects.filter(kind="rectification.milestone", stage="red").count() == 1


def test_signature_queues_belong_to_the_named_people(rw):
    drive_to(rw, State.CHECKED, signed=False)
    keys = {u: {q.key for q in work_queues(user=getattr(rw, u))} for u in ("group_head", "eco_secretary", "eco_head",
                                                                                 "eco_handler")}
    assert "rect_sign_supervisor" in keys["group_head"] and "rect_sign_unit" in keys["eco_secretary"]
    assert not {"rect_sign_supervisor", "rect_sign_unit"} & (keys["eco_handler"] | keys["eco_head"])
    queue = next(q for q in work_queues(user=rw.eco_secretary) if q.key == "rect_sign_unit")
    assert queue.queryset.count() == 1


def test_the_ledger_shows_a_unit_its_own_items_only(rw):
    from qingshan.rectification import services

    own = new_item(rw)
    services.item_create(actor=rw.officer, campaign=rw.campaign, title="江岸区河道垃圾", feedback="河道垃圾",
                         region=rw.jiangan, lead_unit=rw.jiangan_urban, deadline=dt.date(2026, 9, 30))
    spec = ledger("rectification_items")
    assert list(spec.rows(user=rw.eco_handler).values_list("pk", flat=True)) == [own.pk]
    assert spec.rows(user=rw.officer).count() == 2


def test_the_api_runs_the_same_table(rw, client):
    item = drive_to(rw, State.CHECKED, signed=False)
    client.force_login(rw.group_head)
    detail = client.get(reverse("api:rectification-item", args=[item.pk])).json()
    assert [a["action"] for a in detail["allowed_actions"]] == ["diary", "review_note", "fail_check",
                                                                "sign_supervisor", "condition"]
    client.force_login(rw.eco_handler)
    refused = client.post(reverse("api:rectification-item-sign-unit", args=[item.pk]), {"password": PASSWORD},
                          content_type="application/json")
    assert refused.status_code == 403
    client.force_login(rw.eco_secretary)
    signed = client.post(reverse("api:rectification-item-sign-unit", args=[item.pk]), {"password": PASSWORD},
                         content_type="application/json")
    assert signed.status_code == 200 and "sign_unit" not in [a["action"] for a in signed.json()["allowed_actions"]]
    client.force_login(rw.urban_handler)
    assert client.get(reverse("api:rectification-item", args=[item.pk])).status_code == 404
    listing = client.get(reverse("api:rectification-items")).json()
    assert listing["count"] == 0
