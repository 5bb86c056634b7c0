"""Review of leaks: a problem restricted to named people, after or before its reminders went out, stays out of the
inboxes, digests and delivery records of everyone else."""
import datetime as dt

from django.core import mail
from django.urls import reverse

from qingshan.orgs.models import User
from qingshan.problems.models import Problem
from qingshan.reminders.choices import Channel, DeliveryStatus
from qingshan.reminders.models import Delivery, Notification

D = dt.date


def _restrict(problem, *users):
    Problem.objects.filter(pk=problem.pk).update(is_restricted=True)
    problem.restricted_to.set(users)


def test_inbox_drops_a_reminder_once_its_problem_is_restricted_from_the_reader(client, world, dispatch, sweep_at):
    problem = dispatch(D(2026, 3, 20), title="局长亲属承揽工程排污")
    sweep_at(D(2026, 3, 23))
    notification = Notification.objects.get(user=world.eco_handler)
    _restrict(problem, world.xinfang)
    client.force_login(world.eco_handler)
    page = client.get(reverse("reminders:inbox") + "?tab=all").content.decode()
    assert "局长亲属承揽工程排污" not in page
    assert client.post(reverse("reminders:read", args=[notification.pk])).status_code == 404
    # Still there for a reader the problem is restricted to.
    _restrict(problem, world.xinfang, world.eco_handler)
    assert "局长亲属承揽工程排污" in client.get(reverse("reminders:inbox") + "?tab=all").content.decode()


def test_digest_leaves_out_a_problem_restricted_from_the_reader(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    secret, plain = dispatch(D(2026, 3, 24), title="局长亲属承揽工程排污"), dispatch(D(2026, 3, 24))
    sweep_at(D(2026, 3, 23), hour=7)  # blue reminders in the inbox, the digest not yet built
    _restrict(secret, world.xinfang)
    sweep_at(D(2026, 3, 23), hour=9)
    bodies = [m.subject + m.body for m in mail.outbox]
    assert bodies and all("局长亲属承揽工程排污" not in b and secret.number not in b for b in bodies)
    assert any(plain.number in b for b in bodies)


def test_delivery_records_do_not_show_a_restricted_problem_to_an_admin_not_named(client, world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="局长亲属承揽工程排污")
    _restrict(problem, world.eco_handler)
    sweep_at(D(2026, 3, 23))
    assert Delivery.objects.filter(channel=Channel.EMAIL).update(status=DeliveryStatus.FAILED) == 1
    client.force_login(world.office_head)
    page = client.get(reverse("reminders:deliveries")).content.decode()
    assert "办理期限" in page  # the record is there, naming the kind of deadline
    assert "局长亲属承揽工程排污" not in page and problem.number not in page


def test_a_district_admin_sees_none_of_the_city_delivery_records(client, world, dispatch, sweep_at):
    from qingshan.orgs.choices import Role
    from qingshan.orgs.models import Membership

    district_leader = User.objects.create_user(username="lvshui_leader", password="Qingshan#2026", full_name="区书记")
    Membership.objects.create(user=district_leader, organisation=world.lvshui_commission,
                              role=Role.COMMISSION_LEADER)
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20))
    sweep_at(D(2026, 3, 23))
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    client.force_login(district_leader)
    page = client.get(reverse("reminders:deliveries")).content.decode()
    assert "sun@eco.example" not in page and problem.title not in page
    assert client.post(reverse("reminders:retry", args=[delivery.pk])).status_code == 404
    client.force_login(world.office_head)  # the city's office head keeps the city's channels
    page = client.get(reverse("reminders:deliveries")).content.decode()
    assert "sun@eco.example" in page and problem.title in page


def test_a_digest_whose_every_item_became_restricted_is_not_sent(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    secret = dispatch(D(2026, 3, 24), title="局长亲属承揽工程排污")
    sweep_at(D(2026, 3, 23), hour=7)  # the blue reminder is in the inbox, the digest not yet built
    _restrict(secret, world.xinfang)
    sweep_at(D(2026, 3, 23), hour=9)
    assert mail.outbox == []  # no empty "共0项" mail
    digest = Delivery.objects.get(channel=Channel.DIGEST, user=world.eco_handler)
    assert digest.status == DeliveryStatus.CANCELLED
    sweep_at(D(2026, 3, 23), hour=10)  # and it is not retried
    assert mail.outbox == []


def test_the_django_admin_shows_no_item_title_on_a_delivery_record(client, world, dispatch, sweep_at):
    """The admin's delivery records are for keeping channels working: they name the kind of deadline, never the item
    (a site administrator is named on no restricted problem and sees no unit's work)."""
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="局长亲属承揽工程排污")
    _restrict(problem, world.eco_handler)
    sweep_at(D(2026, 3, 23))
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    client.force_login(User.objects.create_superuser("site_admin", password="admin-password-1"))
    pages = [client.get(reverse("admin:reminders_delivery_changelist")),
             client.get(reverse("admin:reminders_delivery_change", args=[delivery.pk]))]
    assert [p.status_code for p in pages] == [200, 200]
    assert "办理期限" in pages[1].content.decode()
    for page in pages:
        assert "局长亲属承揽工程排污" not in page.content.decode() and problem.number not in page.content.decode()
