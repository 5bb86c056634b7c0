"""Deliveries: e-mail, the daily digest, WeCom and DingTalk robots against a local HTTP server, retry and back-off."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User
from qingshan.reminders import channels, services, sweep
from qingshan.reminders.choices import Channel, DeliveryStatus, Stage
from qingshan.reminders.models import Delivery, Notification, OrgChannel

from .conftest import at

D = dt.date


class Robot:
    """A local stand-in for a group robot: records each request, answers from a script (then errcode 0)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.requests.append({"path": self.path, "json": json.loads(body),
                                       "content_type": self.headers["Content-Type"]})
                status, answer = robot.script.pop(0) if robot.script else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    server = Robot()
    yield server
    server.close()


def robot_for(org, kind, url, secret=None):
    return services.org_channel_save(actor=None, channel=OrgChannel(organisation=org, channel=kind, webhook_url=url),
                                     secret=secret)


def overdue(world, dispatch, sweep_at, day=None):
    problem = dispatch(D(2026, 3, 20))
    return problem, sweep_at(day or D(2026, 3, 23))


def test_red_goes_out_at_once_by_email_to_each_recipient_with_an_address(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    problem, stats = overdue(world, dispatch, sweep_at)
    assert [m.to for m in mail.outbox] == [["sun@eco.example"]]  # 钱局长 has no address: inbox only
    assert mail.outbox[0].subject == f"【红色超期】{problem.number} {problem.title}"
    assert "期限：2026-03-20" in mail.outbox[0].body
    assert stats.sent == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_the_summary_counts_mail_sent_right_after_the_batch_commits(world, dispatch, sweep_at):
    """In production the urgent mail goes out when its batch commits, before the sweep ends: it is counted
    (the summary said 发送成功0条 while thousands went out)."""
    User.objects.filter(pk__in=[world.eco_handler.pk, world.eco_head.pk]).update(email="unit@eco.example")
    problem, stats = overdue(world, dispatch, sweep_at)
    assert len(mail.outbox) == 2 and stats.sent == 2
    assert "发送成功2条" in stats.summary()


def test_wecom_robot_gets_its_markdown_message(world, dispatch, sweep_at, robot):
    robot_for(world.eco, Channel.WECOM, f"{robot.url}/cgi-bin/webhook/send?key=abc")
    problem, _ = overdue(world, dispatch, sweep_at)
    assert len(robot.requests) == 1  # one message for the organisation, not one per member
    sent = robot.requests[0]
    assert sent["path"] == "/cgi-bin/webhook/send?key=abc"
    assert sent["content_type"] == "application/json; charset=utf-8"
    # A group robot names the kind of deadline, never the problem's title (the group may hold people it is
    # restricted from, and the robot's platform is outside the intranet).
    assert sent["json"] == {"msgtype": "markdown", "markdown": {"content": (
        f"### 【红色超期】办理期限\n- 期限：2026-03-20\n- 详情请登录青山平台查看：/problems/{problem.pk}/")}}
    assert problem.title not in json.dumps(sent["json"], ensure_ascii=False)


def test_dingtalk_robot_gets_its_markdown_message_signed_with_the_secret(world, dispatch, sweep_at, robot):
    channel = robot_for(world.eco, Channel.DINGTALK, f"{robot.url}/robot/send?access_token=t", secret="SEC123")
    assert "SEC123" not in channel.secret_encrypted
    problem, _ = overdue(world, dispatch, sweep_at)
    sent = robot.requests[0]
    title = "【红色超期】办理期限"
    assert sent["json"] == {"msgtype": "markdown", "markdown": {"title": title, "text": (
        f"### {title}\n- 期限：2026-03-20\n- 详情请登录青山平台查看：/problems/{problem.pk}/")}}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(sent["path"]).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest())
    assert query["access_token"] == ["t"] and query["sign"] == [expected.decode()]


def test_dingtalk_signature_matches_the_documented_example():
    # Independent computation: HMAC-SHA256 over "timestamp\nsecret", base64, URL-encoded in the query.
    url = channels.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=x", "s", 1700000000000)
    digest = base64.b64encode(hmac.new(b"s", b"1700000000000\ns", hashlib.sha256).digest()).decode()
    assert url == ("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign="
                   + urllib.parse.quote_plus(digest))
    assert channels.dingtalk_url("https://h/robot/send?access_token=x", "") == "https://h/robot/send?access_token=x"


def test_http_500_then_errcode_failures_are_retried_with_exponential_back_off(world, dispatch, sweep_at, robot,
                                                                              time_machine):
    robot_for(world.eco, Channel.WECOM, f"{robot.url}/send")
    robot.script = [(500, {"errcode": -1}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    overdue(world, dispatch, sweep_at)
    delivery = Delivery.objects.get(channel=Channel.WECOM)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.PENDING, 1, "HTTP 500")
    first_failure = at(D(2026, 3, 23))
    assert delivery.next_attempt_at == first_failure + dt.timedelta(minutes=1)
    sweep_at(D(2026, 3, 23))  # the same minute: not due yet
    assert len(robot.requests) == 1
    time_machine.move_to(first_failure + dt.timedelta(minutes=1), tick=False)
    sweep.run_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 2)
    assert delivery.last_error == "errcode 93000：invalid webhook url"
    assert delivery.next_attempt_at == first_failure + dt.timedelta(minutes=1 + 2)
    time_machine.move_to(delivery.next_attempt_at, tick=False)
    sweep.run_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(robot.requests)) == (DeliveryStatus.SENT, 3, 3)


def test_back_off_doubles_and_gives_up_after_the_last_attempt(world, dispatch, sweep_at, robot, time_machine):
    assert [sweep.backoff(n) for n in range(1, 6)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    robot_for(world.eco, Channel.WECOM, f"{robot.url}/send")
    robot.script = [(500, {})] * sweep.MAX_ATTEMPTS
    overdue(world, dispatch, sweep_at)
    delivery = Delivery.objects.get(channel=Channel.WECOM)
    while delivery.status == DeliveryStatus.PENDING:
        time_machine.move_to(delivery.next_attempt_at, tick=False)
        sweep.run_sweep()
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED,
                                                                             sweep.MAX_ATTEMPTS, None)
    assert len(robot.requests) == sweep.MAX_ATTEMPTS


def test_a_failed_delivery_is_retried_by_an_office_head_not_by_a_unit(world, dispatch, sweep_at, robot,
                                                                       django_capture_on_commit_callbacks):
    robot_for(world.eco, Channel.WECOM, f"{robot.url}/send")
    overdue(world, dispatch, sweep_at)
    delivery = Delivery.objects.get(channel=Channel.WECOM)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=6, next_attempt_at=None)
    delivery.refresh_from_db()
    with pytest.raises(PermissionRefused, match="只有委领导或部室负责人可以重新发送。"):
        services.delivery_retry(actor=world.eco_head, delivery=delivery)
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(actor=world.office_head, delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(robot.requests)) == (DeliveryStatus.SENT, 7, 2)
    assert AuditEvent.objects.filter(object_type="reminders.delivery", action="retry",
                                     actor_id=world.office_head.pk).exists()
    with pytest.raises(ServiceError, match="只有发送失败的记录可以重新发送。"):
        services.delivery_retry(actor=world.office_head, delivery=delivery)


def test_a_disabled_robot_gets_nothing(world, dispatch, sweep_at, robot):
    channel = robot_for(world.eco, Channel.WECOM, f"{robot.url}/send")
    channel.enabled = False
    services.org_channel_save(actor=None, channel=channel)
    overdue(world, dispatch, sweep_at)
    assert robot.requests == [] and not Delivery.objects.filter(channel=Channel.WECOM).exists()


def test_blue_and_yellow_go_into_one_digest_per_person_per_day(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    first, second = dispatch(D(2026, 3, 24)), dispatch(D(2026, 3, 23))
    sweep_at(D(2026, 3, 23), hour=7)  # before the digest hour: inbox only
    assert mail.outbox == []
    assert Notification.objects.filter(user=world.eco_handler).count() == 2
    sweep_at(D(2026, 3, 23), hour=9)
    sweep_at(D(2026, 3, 23), hour=11)
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["sun@eco.example"] and digest.subject == "青山平台每日提醒汇总（2026-03-23，共2项）"
    assert f"【黄色预警】{second.number}" in digest.body and f"【蓝色提醒】{first.number}" in digest.body
    sweep_at(D(2026, 3, 24), hour=9)  # the next day: first is due (yellow) in a new digest; second is red, at once
    subjects = [m.subject for m in mail.outbox[1:]]
    assert sorted(subjects) == sorted(["青山平台每日提醒汇总（2026-03-24，共1项）",
                                       f"【红色超期】{second.number} {second.title}"])
    assert Delivery.objects.filter(channel=Channel.DIGEST, user=world.eco_handler).count() == 2


def test_a_sent_email_is_not_sent_again_by_a_second_sweep(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    overdue(world, dispatch, sweep_at)
    sweep_at(D(2026, 3, 23))
    sweep_at(D(2026, 3, 24))
    assert len(mail.outbox) == 1


def test_a_delivery_claimed_by_a_sweep_that_died_is_sent_after_the_lease(world, dispatch, sweep_at, time_machine,
                                                                         monkeypatch):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    monkeypatch.setattr(sweep, "deliver_due", lambda **kw: None)
    overdue(world, dispatch, sweep_at)
    monkeypatch.undo()
    now = at(D(2026, 3, 23))
    Delivery.objects.update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=1)  # died after claiming
    sweep_at(D(2026, 3, 23))
    assert mail.outbox == []
    time_machine.move_to(now + sweep.LEASE + dt.timedelta(seconds=1), tick=False)
    sweep.run_sweep()
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == DeliveryStatus.SENT


def test_urgent_stages_are_not_put_in_the_digest(world, dispatch, sweep_at):
    User.objects.filter(pk=world.eco_handler.pk).update(email="sun@eco.example")
    overdue(world, dispatch, sweep_at)
    assert not Delivery.objects.filter(channel=Channel.DIGEST).exists()
    assert Notification.objects.filter(reminder__stage=Stage.RED, digest__isnull=True).count() == 2
    assert timezone.now() == at(D(2026, 3, 23))
