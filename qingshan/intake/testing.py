"""Test and demo support: a registered camera sender, and a client that signs its posts as a real sender would."""
import json
import time

from django.test import Client

from qingshan.problems.models import Source

from .models import RoutingRule, Sender
from .services import sender_register
from .signing import signature


def camera_sender(w, *, code: str = "cam-platform", admin=None) -> tuple[Sender, str]:
    """A camera platform of the test world, raising air problems in the city in the office officer's name, with a
    routing rule that sends alerts in 绿水区 to 绿水区住建局. Returns the sender and its secret."""
    from qingshan.orgs.models import User

    admin = admin or User.objects.create_superuser("intake_admin", password="x")
    source, _ = Source.objects.get_or_create(code="camera", defaults={"name": "视频监控预警"})
    sender = Sender(code=code, name="城市视频监控AI平台", account=w.officer, source=source,
                    default_category=w.air_pollution, default_region=w.city)
    secret = sender_register(actor=admin, sender=sender)
    RoutingRule.objects.create(region=w.lvshui, lead_unit=w.lvshui_housing)
    return sender, secret


def signed_post(client: Client, sender_code: str, secret: str, payload: dict | bytes, *, key: str = "A-1",
                stamp: int | None = None, content_type: str = "application/json", url: str = "/intake/webhook/alerts"):
    """POST `payload` as sender `sender_code` would: signed body, timestamp and idempotency key."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    stamp_text = str(int(time.time()) if stamp is None else stamp)
    headers = {"X-Qingshan-Sender": sender_code, "X-Qingshan-Timestamp": stamp_text,
               "X-Qingshan-Signature": signature(secret, stamp_text, body)}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(url, data=body, content_type=content_type, headers=headers)
