"""The hard block (domain §5): anyone whose organisation is the reported unit or under it, or who is the reported
person, never sees the clue, its existence, its counts or its notifications — whatever other roles they hold.

甲回避 and 乙回避 hold every part of the handling circle (信访, 案管, the commission leader, the handling office),
like 丙可见; 甲 also works in 市生态环境局 (the reported unit), 乙 in the monitoring station under it. 钱局长 is the
reported person and also holds a 信访 role. Each surface is shown to 丙 first, so a blank answer for the others is
the block at work, not an empty page.
"""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.access.clues import handlers_of, reveal_reporter, visible_clues
from qingshan.clues.choices import State
from qingshan.clues.models import Clue, ClueJob, VaultReveal
from qingshan.clues.testing.flows import TODAY, drive_to
from qingshan.clues.testing.world import PASSWORD, new_clue
from qingshan.reminders.models import Notification

BLOCKED = ["insider_in_unit", "insider_below", "reported"]


@pytest.fixture
def inquiry(cw):
    """A clue in 谈话函询 (with its letter), assigned to 第一监督检查室, where all three insiders also work."""
    clue = drive_to(cw, State.INQUIRY)
    reveal_reporter(user=cw.xinfang, clue=clue, reason="核对举报人身份")
    return clue


def _client(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _body(response) -> str:
    """The page as a reader sees it, less the per-response CSRF token."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


def _surfaces(clue: Clue) -> list[str]:
    return [reverse("clues:detail", args=[clue.pk]), reverse("clues:action", args=[clue.pk, "record_reply"])]


def test_the_clear_insider_sees_every_surface(client, cw, inquiry):
    c = _client(client, cw.insider_clear)
    for url in _surfaces(inquiry):
        assert c.get(url).status_code == 200, url
    assert inquiry.reference in c.get(reverse("clues:list")).content.decode()
    assert inquiry.reference in c.get(reverse("clues:list"), {"q": "钱局长"}).content.decode()
    assert inquiry.reference in c.get(reverse("clues:reveals")).content.decode()


@pytest.mark.parametrize("who", BLOCKED)
def test_a_blocked_user_gets_404_everywhere_as_for_a_missing_id(client, cw, inquiry, who):
    c = _client(client, getattr(cw, who))
    missing = c.get(reverse("clues:detail", args=[inquiry.pk + 1000]))
    assert missing.status_code == 404
    for url in _surfaces(inquiry):
        response = c.get(url)
        assert (response.status_code, _body(response)) == (404, _body(missing)), url
    assert c.post(reverse("clues:reveal_reporter", args=[inquiry.pk]), {"reason": "查看"}).status_code == 404
    assert c.post(reverse("clues:letter", args=[inquiry.letters.get().pk])).status_code == 404
    assert not ClueJob.objects.exists()
    assert c.post(reverse("clues:action", args=[inquiry.pk, "record_reply"]),
                  {"replied_on": "2026-03-02", "reply_text": "x"}).status_code == 404
    assert not VaultReveal.objects.filter(user=getattr(cw, who)).exists()


@pytest.mark.parametrize("who", BLOCKED)
def test_a_blocked_user_finds_no_trace_in_lists_search_counts_and_the_reveal_register(client, cw, inquiry, who):
    c = _client(client, getattr(cw, who))
    for params in ({}, {"q": "钱局长"}, {"q": inquiry.reference}, {"state": State.INQUIRY}):
        page = c.get(reverse("clues:list"), params).content.decode()
        rows = page[page.index("<tbody>"):page.index("</tbody>")]
        assert inquiry.reference not in rows and "钱局长" not in rows and "没有符合条件的线索" in rows, params
    assert "王举报" not in c.get(reverse("clues:reveals")).content.decode()
    assert inquiry.reference not in c.get(reverse("clues:reveals")).content.decode()
    kpi = c.get(reverse("clues:kpi")).content.decode()
    assert 'href="/clues/?kpi=disposal_inquiry">0<' in kpi
    assert 'href="/clues/?kpi=disposal_inquiry">1<' in _client(client, cw.insider_clear).get(
        reverse("clues:kpi")).content.decode()


def test_a_blocked_user_is_never_sent_a_notice_or_reminder(cw):
    clue = drive_to(cw, State.ASSIGNED)  # the 分办 notice went to 第一监督检查室
    told = set(Notification.objects.filter(reminder__kind="clues.assigned", reminder__object_id=clue.pk)
               .values_list("user_id", flat=True))
    assert cw.officer.pk in told and cw.insider_clear.pk in told
    assert not told & {getattr(cw, who).pk for who in BLOCKED}
    for part in ("xinfang", "anguan", "leader", "team"):
        recipients = handlers_of([clue], part)[clue.pk]
        assert cw.insider_clear.pk in recipients, part
        assert not recipients & {getattr(cw, who).pk for who in BLOCKED}, part


def test_a_reminder_written_before_is_hidden_from_a_blocked_user(cw):
    from qingshan.access.reminders import visible_notifications
    from qingshan.reminders.models import Reminder

    clue = drive_to(cw, State.ASSIGNED)
    reminder = Reminder.objects.get(kind="clues.assigned", object_id=clue.pk)
    for who in ("insider_clear", *BLOCKED):
        Notification.objects.get_or_create(reminder=reminder, user=getattr(cw, who),
                                           defaults={"created_at": timezone.now()})
    assert visible_notifications(cw.insider_clear).filter(reminder=reminder).exists()
    for who in BLOCKED:
        assert not visible_notifications(getattr(cw, who)).filter(reminder=reminder).exists(), who


def test_the_reported_person_is_blocked_even_on_a_clue_about_another_unit(cw):
    clue = new_clue(cw, reported_unit=cw.water, reported_name="钱局长", reported_person=cw.reported)
    assert clue in visible_clues(cw.xinfang)
    assert clue not in visible_clues(cw.reported)
    other = new_clue(cw, reported_unit=cw.water, reported_name="冯某", reported_person=None)
    assert other in visible_clues(cw.reported)  # as a 信访 officer, for everything not about them


@pytest.mark.parametrize("who", ["officer", "office_head", "group_staff", "readonly", "eco_handler", "eco_head",
                                 "water_handler", "housing_handler", "partner_staff", "district_staff", "outsider"])
def test_id_guessing_outside_the_circle_reads_as_a_missing_id(client, cw, who):
    """Nobody outside the handling circle learns that an id exists (第一监督检查室 is not assigned this one)."""
    clue = drive_to(cw, State.NUMBERED)
    c = _client(client, getattr(cw, who))
    missing = c.get(reverse("clues:detail", args=[clue.pk + 1000]))
    for url in (reverse("clues:detail", args=[clue.pk]), reverse("clues:action", args=[clue.pk, "assign"])):
        response = c.get(url)
        assert (response.status_code, _body(response)) == (404, _body(missing)), (who, url)
    assert clue.intake_ref not in c.get(reverse("clues:list")).content.decode()


def test_intake_by_someone_in_the_reported_unit_is_refused(cw):
    from qingshan.clues.services import clue_create
    from qingshan.core.errors import ServiceError

    with pytest.raises(ServiceError, match="须回避"):
        clue_create(actor=cw.insider_in_unit, source="letter", received_on=TODAY, reported_unit=cw.eco,
                    reported_name="某某", summary="反映某某问题")
    assert not Clue.objects.exists()


def test_my_worklist_counts_a_clue_for_the_circle_and_never_for_the_blocked(client, cw):
    drive_to(cw, State.STUDIED, leader=cw.insider_clear)  # waits for 丙's signature; 第一监督检查室 is its team
    from qingshan.core.worklist import section_counts, work_queues

    def count(user, key):
        cells = {q.key: n for _name, _label, rows in section_counts(work_queues(user=user)) for q, n in rows}
        return cells.get(key, 0)

    assert count(cw.insider_clear, "clue_approve") == 1
    assert count(cw.leader, "clue_approve") == 0  # a leader too, but not the one named to sign
    for who in BLOCKED:
        assert count(getattr(cw, who), "clue_approve") == 0, who
    page = _client(client, cw.insider_in_unit).get(reverse("inbox"), {"queue": "clue_approve"}).content.decode()
    assert "青山市纪委监委线" not in page


def _failed_delivery(cw, clue):
    """A failed e-mail of a clue's reminder to 李监督, as the delivery-records page lists it for admins."""
    from qingshan.reminders.models import Delivery, Reminder

    reminder = Reminder.objects.get(kind="clues.assigned", object_id=clue.pk)
    return Delivery.objects.create(channel="email", target="li@commission.example", reminder=reminder,
                                   user=cw.officer, status="failed", attempts=5, last_error="SMTP 550",
                                   created_at=timezone.now())


@pytest.mark.parametrize("who", ["insider_in_unit", "insider_below"])
def test_the_delivery_records_page_never_shows_a_blocked_admin_a_clues_delivery(client, cw, who):
    """甲 and 乙 are commission leaders (delivery admins): the failed e-mail of a clue's notice is not listed for
    them, not even as a 受限事项, and cannot be retried; 丙, the same admin without the tie, sees it."""
    clue = drive_to(cw, State.ASSIGNED)
    delivery = _failed_delivery(cw, clue)
    clear = _client(client, cw.insider_clear).get(reverse("reminders:deliveries")).content.decode()
    assert f'id="delivery-{delivery.pk}"' in clear and clue.reference in clear
    c = _client(client, getattr(cw, who))
    page = c.get(reverse("reminders:deliveries"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'id="delivery-{delivery.pk}"' not in text and clue.reference not in text and "li@commission" not in text
    assert "没有发送失败的记录" in text
    c.post(reverse("reminders:retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 5)


def test_no_group_robot_ever_posts_a_clues_reminder(cw):
    """A group chat is read by everyone in it (blocked people included): a clue's reminder goes by e-mail only."""
    from qingshan.core.notices import Notice, notify
    from qingshan.orgs.models import User
    from qingshan.reminders.models import Delivery, OrgChannel

    clue = drive_to(cw, State.ASSIGNED)
    OrgChannel.objects.create(organisation=cw.office, channel="wecom", webhook_url="https://robot.example/hook")
    User.objects.filter(pk=cw.officer.pk).update(email="li@commission.example")
    notify(Notice(kind="clues.assigned", object_id=clue.pk, deadline=TODAY, user_ids={cw.officer.pk}, note="",
                  urgent=True))
    sent = Delivery.objects.filter(reminder__kind="clues.assigned", reminder__object_id=clue.pk)
    assert list(sent.values_list("channel", "target")) == [("email", "li@commission.example")]
