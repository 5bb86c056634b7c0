"""A reminder stores no copy of its item's title: every surface (inbox, digest, e-mail, delivery records) names the
item through its kind's scoped selector, as the reader may see it now, in one query per scope."""
import datetime as dt

from django.core import mail
from django.urls import reverse

from qingshan.orgs.models import User
from qingshan.problems.choices import State
from qingshan.problems.models import Problem
from qingshan.reminders import selectors
from qingshan.reminders.choices import Channel, DeliveryStatus
from qingshan.reminders.models import Delivery, Reminder
from qingshan.reminders.registry import kind_by_code

D = dt.date


def test_a_reminder_has_no_title_of_its_own():
    assert "title" not in {field.name for field in Reminder._meta.get_fields()}


def test_titles_are_only_those_of_items_the_reader_may_see(world, dispatch):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    kind = kind_by_code()["problems.handle"]
    assert kind.titles(world.eco_handler, [problem.pk]) == {problem.pk: f"{problem.number} 化工园区雨水口偷排"}
    assert kind.titles(world.housing_handler, [problem.pk]) == {}  # another district's unit
    assert kind.titles(world.outsider, [problem.pk]) == {}


def test_the_inbox_shows_the_items_title_as_it_is_now(client, world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    Problem.objects.filter(pk=problem.pk).update(title="化工园区雨水口夜间偷排")  # corrected since
    client.force_login(world.eco_handler)
    page = client.get(reverse("reminders:inbox") + "?tab=all").content.decode()
    assert "化工园区雨水口夜间偷排" in page


def test_a_retried_email_names_the_item_as_it_is_when_sent(world, dispatch, sweep_at,
                                                           django_capture_on_commit_callbacks):
    from qingshan.reminders import services

    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="化工园区雨水口偷排")
    sweep_at(D(2026, 3, 23))
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    Problem.objects.filter(pk=problem.pk).update(title="化工园区雨水口夜间偷排")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(actor=world.office_head, delivery=delivery)
    assert [m.subject for m in mail.outbox] == [f"【红色超期】{problem.number} 化工园区雨水口夜间偷排"]


def test_kinds_reading_the_same_items_share_one_query(world, dispatch, sweep_at, django_assert_num_queries):
    for _ in range(5):
        dispatch(D(2026, 3, 20))
        unsigned = dispatch(D(2026, 4, 20))
        # Test set-up only: still waiting to be signed, its signing deadline passed.
        Problem.objects.filter(pk=unsigned.pk).update(state=State.DISPATCHED, sign_deadline=D(2026, 3, 19))
    sweep_at(D(2026, 3, 23))
    reminders = list(Reminder.objects.filter(notifications__user=world.eco_handler))
    assert {r.kind for r in reminders} == {"problems.sign", "problems.handle"} and len(reminders) >= 10
    with django_assert_num_queries(1):
        selectors.with_titles(reminders, user=world.eco_handler)
    assert all(r.item_title.startswith("QS-") for r in reminders)
    assert {r.kind_label for r in reminders} == {"签收期限", "办理期限"}
