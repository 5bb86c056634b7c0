"""Reference data is maintained in the admin; problems and audit events cannot be changed there."""
import pytest
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.orgs.models import User
from qingshan.problems.models import TimeLimitRule
from qingshan.problems.testing.flows import new_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(User.objects.create_superuser("root", password="x-Qingshan#2026", full_name="管理员"))
    return client


def test_time_limit_rule_is_editable_in_the_admin(admin_client, world):
    response = admin_client.post(reverse("admin:problems_timelimitrule_add"), {
        "source": world.inspection.pk, "category": world.air_pollution.pk, "urgency": "",
        "sign_days": 2, "handle_days": 20, "extension_notice_days": 1})
    assert response.status_code == 302
    assert TimeLimitRule.objects.get(source=world.inspection, category=world.air_pollution).handle_days == 20


def test_problems_are_not_in_the_admin_and_audit_events_are_read_only(admin_client, world):
    problem = new_problem(world)
    assert admin_client.get("/admin/problems/problem/").status_code == 404
    event = AuditEvent.objects.get(object_id=problem.pk)
    url = reverse("admin:audit_auditevent_change", args=[event.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"reason": "篡改"})
    assert admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code \
        == 403
    event.refresh_from_db()
    assert event.reason == "" and AuditEvent.objects.filter(pk=event.pk).exists()
