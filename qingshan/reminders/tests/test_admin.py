"""Admin: a robot's secret is written once and stored encrypted; rule changes are audited."""
from qingshan.access.crypto import decrypt
from qingshan.audit.models import AuditEvent
from qingshan.orgs.models import User
from qingshan.reminders.models import OrgChannel, ReminderRule


def test_admin_stores_the_dingtalk_secret_encrypted_and_never_shows_it(client, world):
    admin = User.objects.create_superuser(username="root", password="Qingshan#2026", full_name="管理员")
    client.force_login(admin)
    answer = client.post("/admin/reminders/orgchannel/add/", {
        "organisation": world.eco.pk, "channel": "dingtalk", "enabled": "on",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "secret": "SECxyz"})
    assert answer.status_code == 302
    channel = OrgChannel.objects.get()
    assert "SECxyz" not in channel.secret_encrypted and decrypt(channel.secret_encrypted) == "SECxyz"
    assert "SECxyz" not in client.get(f"/admin/reminders/orgchannel/{channel.pk}/change/").content.decode()
    assert AuditEvent.objects.get(object_type="reminders.orgchannel").payload["signed"] is True


def test_admin_rule_change_is_audited(client, world):
    admin = User.objects.create_superuser(username="root", password="Qingshan#2026", full_name="管理员")
    rule = ReminderRule.objects.create(kind="problems.handle", label="办理期限")
    client.force_login(admin)
    answer = client.post(f"/admin/reminders/reminderrule/{rule.pk}/change/", {
        "label": "办理期限", "enabled": "on", "blue_days": 5, "escalate_after_days": 2, "escalate_after_urges": "",
        "send_email": "on"})
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert (rule.blue_days, rule.escalate_after_days, rule.escalate_after_urges, rule.send_wecom) == (5, 2, None, False)
    assert AuditEvent.objects.get(object_type="reminders.rule").payload["channels"] == ["email"]
