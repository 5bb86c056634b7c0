"""Notices to real-name reporters by SMS under a neutral sender: what the text says (and never says), the gateway
against a local HTTP server, retries then 失败, the hard block over the outbox, the on-time flag frozen when sent."""
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from qingshan.audit.models import AuditEvent
from qingshan.clues import notices, services
from qingshan.clues.choices import Action, NoticeKind, NoticeStatus, State
from qingshan.clues.models import Clue, ReporterNotice
from qingshan.clues.selectors import visible_notices
from qingshan.clues.testing.flows import drive_to
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.problems.testing.world import WORLD_NOW

REPORTER = ["王举报", "13812345678", "330101199001011234", "青山区幸福路8号", "青山市某化工厂", "红包二十万元"]
ABOUT = ["钱局长", "副局长", "市生态环境局", "环评审批", "收受企业财物"]


class Gateway:
    """A local stand-in for the intranet SMS gateway: records each request, answers from a script (then code 0)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"json": json.loads(body), "auth": self.headers["Authorization"]})
                status, answer = gateway.script.pop(0) if gateway.script else (200, {"code": 0, "message": "ok"})
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    server = Gateway()
    settings.CLUE_NOTICE_CHANNEL = "sms_gateway"
    settings.CLUE_NOTICE_GATEWAY_URL = server.url
    settings.CLUE_NOTICE_GATEWAY_TOKEN = "tok-123"
    settings.CLUE_NOTICE_SENDER = "青山市政务服务"
    settings.CLUE_NOTICE_PHONE = "0571-12345"
    settings.CLUE_NOTICE_MAX_ATTEMPTS = 3
    settings.CLUE_NOTICE_RETRY_SECONDS = 60
    yield server
    server.close()


def _events(clue, action) -> int:
    return AuditEvent.objects.filter(object_type="clues.clue", object_id=clue.pk, action=action).count()


def test_both_notices_say_only_received_or_handled_the_reference_and_a_neutral_number(cw, gateway):
    clue = drive_to(cw, State.ACCEPTED)
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    closed = drive_to(cw, State.CLOSED, disposal="close")
    services.clue_send_notice(actor=cw.xinfang, clue=closed, kind=NoticeKind.RESULT)
    run_queued_jobs()
    acceptance, result = (r["json"] for r in gateway.requests)
    day = clue.received_on
    assert acceptance["text"] == (f"【青山市政务服务】您于2026年{day.month}月{day.day}日提交的"
                                  f"事项已收到并依规办理，查询编号{clue.intake_ref}。如有疑问请致电0571-12345。")
    assert result["text"] == (f"【青山市政务服务】您提交的事项（查询编号{closed.intake_ref}）已办理完毕。"
                              "如有疑问请致电0571-12345。")
    for sent in (acceptance, result):
        assert sent["sender"] == "青山市政务服务" and sent["phone"] == "13812345678"
        words = sent["sender"] + sent["text"]
        for word in notices.CONFIDENTIAL_WORDS + tuple(ABOUT) + tuple(REPORTER) + (clue.summary,):
            assert word not in words
    assert {r["auth"] for r in gateway.requests} == {"Bearer tok-123"}


def test_the_outbox_keeps_a_masked_number_only(cw, gateway):
    clue = drive_to(cw, State.ACCEPTED)
    gateway.script = [(200, {"code": 0, "message": "ok", "to": "13812345678"})]  # a gateway that echoes the number
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    row = ReporterNotice.objects.filter(clue=clue).values().get()
    assert row["status"] == NoticeStatus.SENT and row["masked_phone"] == "13*******78"
    stored = " ".join(str(v) for v in row.values())
    for secret in REPORTER:
        assert secret not in stored
    assert "13*******78" in row["answer"]


def test_sending_freezes_the_acceptance_notice_on_time(cw, gateway):
    clue = drive_to(cw, State.ACCEPTED)
    notice = services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    assert Clue.objects.get(pk=clue.pk).acceptance_notified_on is None  # queued is not given
    run_queued_jobs()
    clue.refresh_from_db()
    assert (clue.acceptance_notified_on, clue.acceptance_notified_on_time) == (WORLD_NOW.date(), True)
    assert ReporterNotice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
    assert (_events(clue, Action.SEND_NOTICE), _events(clue, Action.NOTICE_SENT)) == (1, 1)
    with pytest.raises(ServiceError, match="已经受理告知过了"):
        services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)


def test_a_notice_sent_after_its_deadline_is_late(cw, gateway, time_machine):
    clue = drive_to(cw, State.ACCEPTED)
    time_machine.move_to(dt.datetime.combine(clue.acceptance_notice_due + dt.timedelta(days=1), WORLD_NOW.timetz()),
                         tick=False)
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    clue.refresh_from_db()
    assert clue.acceptance_notified_on_time is False


def test_a_gateway_failure_is_retried_then_marked_failed_with_a_chinese_message(cw, gateway, time_machine):
    clue = drive_to(cw, State.ACCEPTED)
    gateway.script = [(500, {}), (200, {"code": 17, "message": "号码无效"}), (503, {})]
    notice = services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    assert ReporterNotice.objects.get(pk=notice.pk).status == NoticeStatus.QUEUED  # the retry waits
    for minutes in (2, 5):
        time_machine.move_to(WORLD_NOW + dt.timedelta(minutes=minutes), tick=False)
        run_queued_jobs()
    notice.refresh_from_db()
    assert len(gateway.requests) == 3
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 3)
    assert notice.error == ("短信发送失败（已尝试3次）：短信网关返回 HTTP 503。"
                            "请检查短信网关后重新发送，或改用书面告知。")
    time_machine.move_to(WORLD_NOW + dt.timedelta(hours=2), tick=False)
    assert run_queued_jobs() == 0 and len(gateway.requests) == 3  # bounded: nothing more is tried
    clue.refresh_from_db()
    assert clue.acceptance_notified_on is None and clue.acceptance_notified_on_time is None
    assert _events(clue, Action.NOTICE_FAILED) == 1
    # Failed, it may be sent again (or recorded by hand for a letter by post).
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    assert Clue.objects.get(pk=clue.pk).acceptance_notified_on == WORLD_NOW.date()


def test_a_failed_attempt_then_a_good_one_is_sent(cw, gateway, time_machine):
    clue = drive_to(cw, State.ACCEPTED)
    gateway.script = [(502, {})]
    notice = services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    time_machine.move_to(WORLD_NOW + dt.timedelta(minutes=2), tick=False)
    run_queued_jobs()
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, len(gateway.requests)) == (NoticeStatus.SENT, 2, 2)


def test_a_hard_blocked_user_never_sees_the_outbox_row(cw, gateway):
    clue = drive_to(cw, State.ACCEPTED)
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    for blocked in (cw.insider_in_unit, cw.insider_below, cw.reported):
        assert not visible_notices(blocked).exists()
    assert visible_notices(cw.insider_clear).count() == 1
    assert not visible_notices(cw.eco_handler).exists()  # outside the circle altogether


@pytest.mark.parametrize("who", ["insider_in_unit", "officer", "anguan"])
def test_only_xinfang_of_the_commission_may_send_and_a_refusal_queues_nothing(cw, gateway, who):
    clue = drive_to(cw, State.ACCEPTED)
    with pytest.raises((PermissionRefused, ServiceError)):
        services.clue_send_notice(actor=getattr(cw, who), clue=clue, kind=NoticeKind.ACCEPTANCE)
    assert not ReporterNotice.objects.exists() and _events(clue, Action.SEND_NOTICE) == 0
    assert run_queued_jobs() == 0 and gateway.requests == []


def test_no_notice_for_an_anonymous_report_nor_a_repeat(cw, gateway):
    anonymous = drive_to(cw, State.ACCEPTED, real_name=False)
    with pytest.raises(ServiceError, match="匿名举报无需告知"):
        services.clue_send_notice(actor=cw.xinfang, clue=anonymous, kind=NoticeKind.ACCEPTANCE)
    repeat = drive_to(cw, State.DUPLICATE)
    with pytest.raises(ServiceError, match="受理告知"):
        services.clue_send_notice(actor=cw.xinfang, clue=repeat, kind=NoticeKind.ACCEPTANCE)
    assert not ReporterNotice.objects.exists()


def test_a_sender_name_that_names_the_commission_is_refused(cw, gateway, settings):
    clue = drive_to(cw, State.ACCEPTED)
    settings.CLUE_NOTICE_SENDER = "青山市纪委监委"
    with pytest.raises(ServiceError, match="不得含有“纪委”"):
        services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    assert not ReporterNotice.objects.exists()


def test_record_only_marks_it_given_without_reading_the_vault(cw, settings):
    settings.CLUE_NOTICE_CHANNEL = "record_only"
    clue = drive_to(cw, State.ACCEPTED)
    notice = services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    run_queued_jobs()
    notice.refresh_from_db()
    assert (notice.status, notice.masked_phone) == (NoticeStatus.SENT, "")
    assert Clue.objects.get(pk=clue.pk).acceptance_notified_on_time is True


def test_the_clue_page_sends_the_notice_and_shows_its_status(client, cw, gateway):
    from django.urls import reverse

    from qingshan.clues.testing.world import PASSWORD

    clue = drive_to(cw, State.ACCEPTED)
    send = reverse("clues:send_notice", args=[clue.pk, "acceptance"])
    client.login(username=cw.insider_in_unit.username, password=PASSWORD)
    assert client.post(send).status_code == 404  # blocked: the clue does not exist for them
    assert not ReporterNotice.objects.exists()
    client.logout()
    client.login(username=cw.xinfang.username, password=PASSWORD)
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "短信受理告知" in page and "短信结果告知" not in page  # the result notice waits for the close
    assert client.post(send).status_code == 302
    run_queued_jobs()
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "13*******78" in page and "已发送" in page and "短信受理告知" not in page
    assert "13812345678" not in page


def test_a_notice_by_hand_waits_while_its_sms_is_under_way(cw, gateway):
    clue = drive_to(cw, State.ACCEPTED)
    services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    with pytest.raises(ServiceError, match="受理告知短信正在发送"):
        services.clue_notify_acceptance(actor=cw.xinfang, clue=clue, notified_on=WORLD_NOW.date(), note="邮寄书面告知")
    assert Clue.objects.get(pk=clue.pk).acceptance_notified_on is None
    with pytest.raises(ServiceError, match="正在发送，请勿重复提交"):
        services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    assert ReporterNotice.objects.count() == 1


def test_an_unreadable_vault_entry_fails_the_notice_instead_of_leaving_it_waiting(cw, gateway):
    from qingshan.clues.models import ReporterVault

    clue = drive_to(cw, State.ACCEPTED)
    notice = services.clue_send_notice(actor=cw.xinfang, clue=clue, kind=NoticeKind.ACCEPTANCE)
    ReporterVault.objects.filter(clue=clue).update(phone_encrypted="not-a-token")  # e.g. a lost field key
    run_queued_jobs()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and "系统错误" in notice.error and gateway.requests == []
