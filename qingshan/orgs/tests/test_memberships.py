"""Role memberships change only through the services, by a site administrator, each change audited; the admin too."""
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User
from qingshan.orgs.services import membership_add, membership_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="x-Qingshan#2026", full_name="管理员")


def events(action):
    return list(AuditEvent.objects.filter(object_type="orgs.membership", action=action))


def test_a_site_administrator_adds_ends_and_restores_a_role_each_audited(world, root):
    m = membership_add(actor=root, user=world.outsider, organisation=world.eco, role=Role.UNIT_HANDLER)
    assert m.is_active and [e.object_id for e in events("add")] == [m.pk]
    assert events("add")[0].actor == root and events("add")[0].payload["unit"] == "市生态环境局"
    membership_end(actor=root, membership=m)
    m.refresh_from_db()
    assert not m.is_active and [e.object_id for e in events("end")] == [m.pk]
    again = membership_add(actor=root, user=world.outsider, organisation=world.eco, role=Role.UNIT_HANDLER)
    assert again.pk == m.pk and again.is_active and len(events("add")) == 2


def test_only_a_site_administrator_changes_memberships(world):
    with pytest.raises(PermissionRefused, match="只有系统管理员可以调整人员的任职角色"):
        membership_add(actor=world.leader, user=world.outsider, organisation=world.eco, role=Role.UNIT_HANDLER)
    with pytest.raises(PermissionRefused):
        membership_end(actor=world.leader, membership=world.eco_handler.memberships.get())
    assert not world.outsider.memberships.exists() and world.eco_handler.memberships.get().is_active
    assert not events("add") and not events("end")


def test_a_role_the_organisation_cannot_hold_or_held_already_is_refused(world, root):
    with pytest.raises(ServiceError, match="“责任单位经办人”只能在责任单位任职，“青山市纪委监委”是纪委监委。"):
        membership_add(actor=root, user=world.outsider, organisation=world.commission, role=Role.UNIT_HANDLER)
    with pytest.raises(ServiceError, match="已在“市生态环境局”担任责任单位经办人"):
        membership_add(actor=root, user=world.eco_handler, organisation=world.eco, role=Role.UNIT_HANDLER)
    world.water.is_active = False
    world.water.save()
    with pytest.raises(ServiceError, match="已停用"):
        membership_add(actor=root, user=world.outsider, organisation=world.water, role=Role.UNIT_HANDLER)
    assert not events("add")


class _FormValues(HTMLParser):
    """The values a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._in_form = {}, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "form":
            self._in_form = a.get("id") == "user_form"
        if not self._in_form:
            return
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


def change_form(client, user):
    url = reverse("admin:orgs_user_change", args=[user.pk])
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    data = {k: v if len(v) != 1 else v[0] for k, v in parser.data.items()}
    return url, data


def test_the_admin_adds_and_ends_roles_through_the_services(client, world, root):
    client.force_login(root)
    url, data = change_form(client, world.outsider)
    data.update({"memberships-2-TOTAL_FORMS": "1", "memberships-2-0-organisation": str(world.eco.pk),
                 "memberships-2-0-role": Role.UNIT_HANDLER, "_continue": "1"})
    assert client.post(url, data).status_code == 302
    m = Membership.objects.get(user=world.outsider)
    assert m.is_active and [(e.object_id, e.actor) for e in events("add")] == [(m.pk, root)]

    url, data = change_form(client, world.outsider)
    del data["memberships-0-is_active"]
    assert client.post(url, data).status_code == 302
    m.refresh_from_db()
    assert not m.is_active and [(e.object_id, e.actor) for e in events("end")] == [(m.pk, root)]
    assert Membership.objects.filter(pk=m.pk).exists()  # ended, never deleted


def test_the_admin_shows_a_refused_role_on_the_form_and_changes_nothing(client, world, root):
    client.force_login(root)
    url, data = change_form(client, world.outsider)
    data.update({"memberships-2-TOTAL_FORMS": "1", "memberships-2-0-organisation": str(world.commission.pk),
                 "memberships-2-0-role": Role.UNIT_HANDLER})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“责任单位经办人”只能在责任单位任职" in response.content.decode()
    assert not world.outsider.memberships.exists() and not events("add")


def test_the_admin_refuses_to_restore_a_role_in_a_deactivated_organisation(client, world, root):
    m = membership_end(actor=root, membership=world.water_handler.memberships.get())
    world.water.is_active = False
    world.water.save()
    client.force_login(root)
    url, data = change_form(client, world.water_handler)
    data["memberships-0-is_active"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200 and "“市水务局”已停用" in response.content.decode()
    m.refresh_from_db()
    assert not m.is_active and not events("add")
