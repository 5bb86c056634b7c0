"""Notices to a real-name reporter (受理告知, 结果告知) through a neutral sender, sent by the background worker.

What the text may say is fixed here and nowhere else: that the report was received / has been handled, the 收件号
the reporter can quote, and a neutral phone number, under a sender name that never names the commission. No clue
detail, no reported person or unit. The reporter's phone is decrypted only inside `notice_run` (the worker), handed
to the channel and forgotten: the outbox row keeps a masked number, and nothing of it is logged.
"""
import datetime as dt
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qingshan.access.clues import OBJECT_TYPE
from qingshan.access.crypto import decrypt, mask_phone
from qingshan.audit.services import record_event

from .choices import Action, NoticeKind, NoticeStatus
from .models import Clue, ReporterNotice, ReporterVault

RECORD_ONLY, SMS_GATEWAY = "record_only", "sms_gateway"
CHANNELS = (RECORD_ONLY, SMS_GATEWAY)
# Words that would tell whoever sees the phone (family, colleagues) who wrote and about what: never in a notice.
CONFIDENTIAL_WORDS = ("纪委", "监委", "纪检", "监察", "线索", "举报", "检举", "控告", "信访", "违纪", "违法", "反映人",
                      "被反映", "12388", "案管", "审查", "调查", "核实", "函询")
TEMPLATES = {
    NoticeKind.ACCEPTANCE: "【{sender}】您于{day}提交的事项已收到并依规办理，查询编号{ref}。如有疑问请致电{phone}。",
    NoticeKind.RESULT: "【{sender}】您提交的事项（查询编号{ref}）已办理完毕。如有疑问请致电{phone}。",
}
NO_PHONE = "未留存举报人手机号码，无法短信告知，请改用书面告知并登记。"
GAVE_UP = "短信发送失败（已尝试{n}次）：{reason}。请检查短信网关后重新发送，或改用书面告知。"


class NoticeError(Exception):
    """The channel did not take the notice (the message says why, in Chinese, without the number)."""


def neutral_problem(text: str) -> str | None:
    """The first confidential word in `text`, or None."""
    return next((word for word in CONFIDENTIAL_WORDS if word in text), None)


def render(clue: Clue, kind: str) -> str:
    """The notice's whole text, built from the 收件号 and the settings only (never the summary, names or units)."""
    day = clue.received_on
    return TEMPLATES[NoticeKind(kind)].format(sender=settings.CLUE_NOTICE_SENDER, day=f"{day.year}年{day.month}月"
                                              f"{day.day}日", ref=clue.intake_ref, phone=settings.CLUE_NOTICE_PHONE)


def _send_sms(phone: str, text: str) -> str:
    """POST to the intranet SMS gateway; the gateway's answer (JSON with code 0) on success, NoticeError otherwise."""
    payload = {"sender": settings.CLUE_NOTICE_SENDER, "phone": phone, "text": text}
    request = urllib.request.Request(
        settings.CLUE_NOTICE_GATEWAY_URL, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Authorization": f"Bearer {settings.CLUE_NOTICE_GATEWAY_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=settings.REMINDER_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise NoticeError(f"短信网关返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise NoticeError("无法连接短信网关") from exc
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise NoticeError("短信网关返回的不是 JSON") from exc
    if not isinstance(answer, dict) or answer.get("code") != 0:
        message = answer.get("message", "") if isinstance(answer, dict) else ""
        raise NoticeError(f"短信网关拒绝：{message}".rstrip("："))
    return body


def _deliver(notice: ReporterNotice) -> str:
    """Send through the configured channel; the answer to keep (with the number masked out of it)."""
    if notice.channel == RECORD_ONLY:
        return "仅登记（演示环境未实际发送）"
    token = ReporterVault.objects.filter(clue_id=notice.clue_id).values_list("phone_encrypted", flat=True).first()
    phone = decrypt(token).strip() if token else ""
    if not phone:
        raise NoticeError(NO_PHONE)
    masked = mask_phone(phone)
    ReporterNotice.objects.filter(pk=notice.pk).update(masked_phone=masked)
    try:
        answer = _send_sms(phone, notice.text)
    except NoticeError as failed:
        raise NoticeError(str(failed).replace(phone, masked)) from None
    return answer.replace(phone, masked)[:500]


def _give_up(notice: ReporterNotice, reason: str) -> None:
    with transaction.atomic():
        ReporterNotice.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, attempts=notice.attempts,
                                                           error=GAVE_UP.format(n=notice.attempts, reason=reason)[:500])
        clue = notice.clue
        record_event(object_type=OBJECT_TYPE, object_id=clue.pk, action=Action.NOTICE_FAILED, actor=None,
                     from_state=clue.state, to_state=clue.state, internal=True,
                     payload={"notice": notice.pk, "kind": notice.kind, "attempts": notice.attempts, "error": reason})


def _sent(notice: ReporterNotice, answer: str) -> None:
    """Sent: the notice counts as given today, which freezes its on-time flag (unless already given by hand)."""
    today = timezone.localdate()
    with transaction.atomic():
        clue = Clue.objects.select_for_update(of=("self",)).get(pk=notice.clue_id)
        prefix = "acceptance" if notice.kind == NoticeKind.ACCEPTANCE else "result"
        if getattr(clue, f"{prefix}_notified_on") is None:
            due: dt.date | None = getattr(clue, f"{prefix}_notice_due")
            setattr(clue, f"{prefix}_notified_on", today)
            setattr(clue, f"{prefix}_notified_on_time", due is None or today <= due)
            clue.save(update_fields=[f"{prefix}_notified_on", f"{prefix}_notified_on_time"])
        ReporterNotice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENT, attempts=notice.attempts,
                                                           sent_at=timezone.now(), answer=answer, error="")
        record_event(object_type=OBJECT_TYPE, object_id=clue.pk, action=Action.NOTICE_SENT, actor=None,
                     from_state=clue.state, to_state=clue.state, internal=True,
                     payload={"notice": notice.pk, "kind": notice.kind, "attempts": notice.attempts,
                              "channel": notice.channel})


def notice_run(notice_id: int) -> str:
    """One attempt at sending; a failed attempt is queued again later until CLUE_NOTICE_MAX_ATTEMPTS, then 失败."""
    notice = ReporterNotice.objects.select_related("clue").filter(pk=notice_id).first()
    if notice is None or notice.status != NoticeStatus.QUEUED:
        return notice.status if notice else "missing"
    notice.attempts += 1
    try:
        answer = _deliver(notice)
    except NoticeError as failed:
        reason = str(failed)
        if reason == NO_PHONE or notice.attempts >= settings.CLUE_NOTICE_MAX_ATTEMPTS:
            _give_up(notice, reason)
            return NoticeStatus.FAILED
        ReporterNotice.objects.filter(pk=notice.pk).update(attempts=notice.attempts, error=reason[:500])
        _retry_later(notice)
        return NoticeStatus.QUEUED
    except Exception as exc:  # a bug or an unreadable vault entry: 失败 with its kind, never left 待发送 for ever
        _give_up(notice, f"系统错误（{type(exc).__name__}）")
        raise
    _sent(notice, answer)
    return NoticeStatus.SENT


def _retry_later(notice: ReporterNotice) -> None:
    from .tasks import send_reporter_notice

    wait = dt.timedelta(seconds=settings.CLUE_NOTICE_RETRY_SECONDS * notice.attempts)  # a longer wait each time
    send_reporter_notice.using(run_after=timezone.now() + wait).enqueue(notice.pk)


def notice_interrupted(notice_id: int) -> None:
    """The worker died mid-send: 失败, not sent again blindly (the gateway may have sent it); the officer resends."""
    from qingshan.core.jobs import INTERRUPTED

    ReporterNotice.objects.filter(pk=notice_id, status=NoticeStatus.QUEUED).update(
        status=NoticeStatus.FAILED, error=INTERRUPTED)
