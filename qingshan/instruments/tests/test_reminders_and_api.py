"""Unanswered instruments are chased by the reminder engine; the API takes the same actions as the pages."""
import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from qingshan.core.testing.uploads import pdf
from qingshan.instruments import services
from qingshan.instruments.choices import State
from qingshan.instruments.testing.flows import drive_to
from qingshan.reminders import sweep
from qingshan.reminders.models import Notification, Reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_unanswered_instrument_is_chased_and_a_replied_one_is_not(world):
    silent = drive_to(world, State.ISSUED)  # reply due ten days after 2 March
    answered = drive_to(world, State.REPLIED)
    overdue = dt.datetime.combine(silent.reply_deadline + dt.timedelta(days=3), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(overdue, tick=False):
        sweep.run_sweep(overdue)
        sweep.run_sweep(overdue)  # a second sweep is a no-op
    stages = list(Reminder.objects.filter(kind="instruments.reply", object_id=silent.pk)
                  .values_list("stage", flat=True))
    assert "red" in stages and len(stages) == len(set(stages))
    assert not Reminder.objects.filter(kind="instruments.reply", object_id=answered.pk).exists()
    red = Reminder.objects.get(kind="instruments.reply", object_id=silent.pk, stage="red")
    told = set(Notification.objects.filter(reminder=red).values_list("user_id", flat=True))
    assert {world.eco_handler.pk, world.eco_head.pk} <= told


def test_the_api_replies_and_reviews_through_the_table(world, client):
    instrument = drive_to(world, State.ISSUED)
    client.force_login(world.water_handler)  # not the recipient: it does not exist for them
    assert client.post(f"/api/instruments/{instrument.pk}/reply/", {"text": "x"}).status_code == 404
    client.force_login(world.eco_handler)
    response = client.post(f"/api/instruments/{instrument.pk}/reply/", {"text": "已整改", "files": [pdf()]})
    assert response.status_code == 200 and response.json()["state"] == State.REPLIED
    refused = client.post(f"/api/instruments/{instrument.pk}/accept/", {}, content_type="application/json")
    assert refused.status_code == 403 and "只有发文机关的纪检监察工作人员可以采纳回复" in refused.json()["detail"]
    client.force_login(world.officer)
    done = client.post(f"/api/instruments/{instrument.pk}/accept/", {"comment": "同意"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == State.ACCEPTED
    listed = client.get("/api/instruments/?kpi=replied_on_time").json()
    assert [row["number"] for row in listed["results"]] == [instrument.number]


def test_the_unit_reads_its_instrument_in_the_api_without_internal_notes(world, client):
    instrument = drive_to(world, State.ISSUED)
    services.instrument_note(actor=world.officer, instrument=instrument, text="内部：拟约谈")
    client.force_login(world.eco_head)
    body = client.get(reverse("api:instrument-detail", args=[instrument.pk])).json()
    assert body["allowed_actions"] == ["reply"] and "内部" not in str(body)
