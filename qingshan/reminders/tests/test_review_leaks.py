"""Review of leaks: a problem restricted to named people, after or before its reminders went out, stays out of the
inboxes, digests and delivery records of everyone else."""
import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from qingshan.core.testing.scope import ScopeMatrix, found, shows
from qingshan.orgs.models import User
from qingshan.problems.testing.flows import restrict_only_to
from qingshan.reminders.choices import Channel, DeliveryStatus
from qingshan.reminders.models import Delivery, Notification

D = dt.date


def _restrict(problem, *users):
    restrict_only_to(problem, *users)


TITLES = {"plain": "城区排口夜间偷排", "hidden": "局长亲属承揽工程排污", "named": "局长秘书违规审批"}


class TestProblemReminderScope(ScopeMatrix):
    """Three problems reminded to the ecology bureau (handler and head, the handler with an e-mail address):
    `plain`; `named`, restricted to the handler before the sweep; `hidden`, restricted to the 信访 officer after the
    reminders went out. The e-mails failed, so the city's office head sees their delivery records."""

    objects = ("plain", "hidden", "named")
    sees = {"eco_handler": {"plain", "named"}, "eco_head": {"plain"}, "office_head": {"plain"},
            "district_leader": set()}
    surfaces = ("inbox", "read", "deliveries", "retry")

    def expect(self, role, obj, surface):
        readers = surface in ("inbox", "read")
        if readers != (role in ("eco_handler", "eco_head")):
            return None  # only the unit is reminded; only office heads and leaders have the delivery records
        if surface == "retry":
            return role == "office_head"  # a record names no item: the city's office head keeps the city's channels
        return super().expect(role, obj, surface)

    @pytest.fixture
    def scene(self, world, dispatch, sweep_at):
        from qingshan.orgs.choices import Role
        from qingshan.orgs.models import Membership

        world.district_leader = User.objects.create_user(username="lvshui_leader", password="Qingshan#2026",
                                                         full_name="区书记")
        Membership.objects.create(user=world.district_leader, organisation=world.lvshui_commission,
                                  role=Role.COMMISSION_LEADER)
        User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
        world.problems = {obj: dispatch(D(2026, 3, 20), title=title) for obj, title in TITLES.items()}
        _restrict(world.problems["named"], world.eco_handler)
        sweep_at(D(2026, 3, 23))
        _restrict(world.problems["hidden"], world.xinfang)
        Delivery.objects.filter(channel=Channel.EMAIL).update(status=DeliveryStatus.FAILED)
        return world

    def _reminded(self, model, scene, obj, **filters):
        return model.objects.filter(reminder__object_id=scene.problems[obj].pk, **filters).first()

    def see_inbox(self, client, scene, obj, user):
        return shows(client.get(reverse("reminders:inbox") + "?tab=all"), TITLES[obj], scene.problems[obj].number)

    def see_read(self, client, scene, obj, user):
        notification = self._reminded(Notification, scene, obj, user=user)
        if notification is None:
            return False  # never reminded of it
        return found(client.post(reverse("reminders:read", args=[notification.pk])), ok=(200, 302))

    def see_deliveries(self, client, scene, obj, user):
        response = client.get(reverse("reminders:deliveries"))
        return shows(response, TITLES[obj], scene.problems[obj].number)

    def see_retry(self, client, scene, obj, user):
        delivery = self._reminded(Delivery, scene, obj, channel=Channel.EMAIL)
        return found(client.post(reverse("reminders:retry", args=[delivery.pk])), ok=(302,))


def test_delivery_records_name_the_kind_of_deadline_and_the_address_for_the_city_only(client, world, dispatch,
                                                                                     sweep_at):
    from qingshan.orgs.choices import Role
    from qingshan.orgs.models import Membership

    district_leader = User.objects.create_user(username="lvshui_leader", password="Qingshan#2026", full_name="区书记")
    Membership.objects.create(user=district_leader, organisation=world.lvshui_commission,
                              role=Role.COMMISSION_LEADER)
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem = dispatch(D(2026, 3, 20), title="局长亲属承揽工程排污")
    _restrict(problem, world.eco_handler)
    sweep_at(D(2026, 3, 23))
    assert Delivery.objects.filter(channel=Channel.EMAIL).update(status=DeliveryStatus.FAILED) == 1
    client.force_login(district_leader)
    assert "sun@eco.example" not in client.get(reverse("reminders:deliveries")).content.decode()
    client.force_login(world.office_head)  # the city's office head keeps the city's channels
    page = client.get(reverse("reminders:deliveries")).content.decode()
    assert "办理期限" in page and "sun@eco.example" in page  # the record is there, naming the kind of deadline


def test_digest_leaves_out_a_problem_restricted_from_the_reader(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    secret, plain = dispatch(D(2026, 3, 24), title="局长亲属承揽工程排污"), dispatch(D(2026, 3, 24))
    sweep_at(D(2026, 3, 23), hour=7)  # blue reminders in the inbox, the digest not yet built
    _restrict(secret, world.xinfang)
    sweep_at(D(2026, 3, 23), hour=9)
    bodies = [m.subject + m.body for m in mail.outbox]
    assert bodies and all("局长亲属承揽工程排污" not in b and secret.number not in b for b in bodies)
    assert any(plain.number in b for b in bodies)


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
