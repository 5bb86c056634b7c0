"""Returning a report tells its assignee's people: in their inbox (unread, with the comments) and by e-mail at once;
a second return brings it back unread and sends it again; resubmitting reads it (the awaited action is done)."""
from django.core import mail
from django.urls import reverse

from qingshan.orgs.models import User
from qingshan.reminders.models import Notification
from qingshan.reminders.sweep import run_sweep
from qingshan.supervision import services

from .conftest import submit


def _return(sw, comment, capture):
    with capture(execute=True):
        services.report_review(actor=sw.officer, report=submit(sw), approve=False, comment=comment)


def _inbox(user):
    return list(Notification.objects.filter(user=user).select_related("reminder"))


def test_a_returned_report_reaches_the_assignees_inbox_and_mail(sw, client, django_capture_on_commit_callbacks):
    User.objects.filter(pk=sw.group_staff.pk).update(email="staff@group.example")
    _return(sw, "请补充监测数据", django_capture_on_commit_callbacks)
    (notice,) = _inbox(sw.group_staff)
    assert notice.read_at is None and notice.reminder.stage == "returned"
    assert {n.user for n in Notification.objects.all()} == {sw.group_staff, sw.group_head}  # not the district's
    assert [m.to for m in mail.outbox] == [["staff@group.example"]]
    assert mail.outbox[0].subject == f"【退回修改】监督事项报送：{sw.item.title}（{sw.slot.label}）"
    assert "审核意见：请补充监测数据" in mail.outbox[0].body
    client.force_login(sw.group_staff)
    body = client.get(reverse("reminders:inbox")).content.decode()
    assert "退回修改" in body and "审核意见：请补充监测数据" in body
    assert reverse("supervision:slot", args=[sw.slot.pk]) in body


def test_a_second_return_comes_back_unread_and_resubmitting_reads_it(sw, django_capture_on_commit_callbacks):
    _return(sw, "请补充监测数据", django_capture_on_commit_callbacks)
    Notification.objects.update(read_at="2026-03-02T10:00:00+08:00")
    _return(sw, "监测数据仍缺第三季度", django_capture_on_commit_callbacks)
    (notice,) = _inbox(sw.group_staff)
    assert notice.read_at is None and notice.reminder.note == "审核意见：监测数据仍缺第三季度"
    submit(sw, summary="已补充第三季度监测数据。")
    run_sweep()
    assert all(n.read_at is not None for n in _inbox(sw.group_staff) + _inbox(sw.group_head))
