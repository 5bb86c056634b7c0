"""Sending one delivery: e-mail through Django's mail backend, WeCom and DingTalk group robots by webhook.

Robots get their own JSON message formats and answer JSON with `errcode` 0 on success; anything else is a failure
that the delivery pass retries with back-off. Only the standard library talks HTTP (no new dependency).
"""
import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from qingshan.access.crypto import decrypt
from qingshan.access.reminders import visible_notifications

from .choices import Channel, Stage
from .models import Delivery
from .selectors import with_titles


class DeliveryError(Exception):
    """A send that did not succeed; the message is kept as the delivery's last error."""


class NothingToSend(Exception):
    """The message has nothing left its reader may see (its item, or every item of a digest, hidden from them since:
    reassigned to another unit, restricted to named people)."""


def wecom_payload(text: str) -> dict:
    """WeCom group robot markdown message."""
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_payload(title: str, text: str) -> dict:
    """DingTalk custom robot markdown message."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with `timestamp` and `sign` appended when a secret is configured."""
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urllib.parse.urlencode({"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def post_json(url: str, payload: dict) -> None:
    """POST the payload; raise DeliveryError unless the robot answers JSON errcode 0."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=settings.REMINDER_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"连接失败：{getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise DeliveryError("机器人返回的不是 JSON") from exc
    if answer.get("errcode") != 0:
        raise DeliveryError(f"errcode {answer.get('errcode')}：{answer.get('errmsg', '')}")


def _link(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def compose(delivery: Delivery) -> tuple[str, str]:
    """(title, markdown text) of a delivery's message, in Chinese, naming items as its reader may see them now."""
    if delivery.channel == Channel.DIGEST:
        # Read at send time: an item the reader may no longer see (reassigned, restricted) drops out of the digest.
        items = list(visible_notifications(delivery.user).filter(digest=delivery).select_related("reminder")
                     .order_by("reminder__deadline", "id"))
        with_titles([n.reminder for n in items], user=delivery.user)
        items = [n for n in items if n.reminder.item_title]
        if not items:
            raise NothingToSend("汇总中的事项已全部不再对收件人可见，未发送。")
        title = f"青山平台每日提醒汇总（{delivery.digest_date:%Y-%m-%d}，共{len(items)}项）"
        lines = [f"- 【{Stage(n.reminder.stage).label}】{n.reminder.item_title}，期限 {n.reminder.deadline:%Y-%m-%d}"
                 f"（{_link(n.reminder.url)}）" for n in items]
        return title, "\n".join([f"### {title}", *lines])
    reminder = delivery.reminder
    with_titles([reminder], user=delivery.user)
    if not reminder.item_title:
        # Looked up at send time through the kind's scoped selector: a retried e-mail about a problem reassigned or
        # restricted since is not sent.
        raise NothingToSend("该提醒的事项已不再对收件人可见，未发送。")
    stage = Stage(reminder.stage).label
    title = f"【{stage}】{reminder.item_title}"
    text = "\n".join([f"### {title}", f"- 期限：{reminder.deadline:%Y-%m-%d}", f"- 查看：{_link(reminder.url)}",
                      *([f"- 说明：{reminder.note}"] if reminder.note else [])])
    return title, text


def compose_for_group(delivery: Delivery) -> tuple[str, str]:
    """(title, markdown text) for a group robot: the kind, stage, date and link, never the item's own title.

    A robot posts into a WeCom/DingTalk group hosted outside the intranet and read by everyone in it, including
    people the item may be restricted from; what the item is about is shown only after logging in.
    """
    reminder = delivery.reminder
    from .registry import kind_by_code

    kind = kind_by_code().get(reminder.kind)
    title = f"【{Stage(reminder.stage).label}】{kind.label if kind else '事项期限'}"
    text = "\n".join([f"### {title}", f"- 期限：{reminder.deadline:%Y-%m-%d}",
                      f"- 详情请登录青山平台查看：{_link(reminder.url)}"])
    return title, text


def send(delivery: Delivery) -> None:
    """Send one delivery now; raise DeliveryError on failure."""
    is_robot = delivery.channel in (Channel.WECOM, Channel.DINGTALK)
    title, text = compose_for_group(delivery) if is_robot else compose(delivery)
    if delivery.channel in (Channel.EMAIL, Channel.DIGEST):
        try:
            send_mail(title, text, None, [delivery.target])
        except Exception as exc:  # noqa: BLE001 - any backend error is a failed attempt, retried later
            raise DeliveryError(f"邮件发送失败：{exc}") from exc
        return
    robot = delivery.org_channel
    if robot is None or not robot.enabled:
        raise DeliveryError("群机器人未配置或已停用")
    if delivery.channel == Channel.WECOM:
        post_json(robot.webhook_url, wecom_payload(text))
    elif delivery.channel == Channel.DINGTALK:
        secret = decrypt(robot.secret_encrypted) if robot.secret_encrypted else ""
        post_json(dingtalk_url(robot.webhook_url, secret), dingtalk_payload(title, text))
    else:
        raise DeliveryError(f"未知渠道 {delivery.channel}")
