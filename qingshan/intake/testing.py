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


HOTLINE_HEADER = ["工单编号", "受理时间", "诉求内容", "事发地址", "所属区县", "问题类别", "来电人", "联系电话"]


def hotline_mapping(w, *, name: str = "12345热线日报"):
    """The 12345 centre's daily export: the test world's hotline source, the city, water pollution by default."""
    from .models import HotlineMapping

    columns = {"ticket_no": "工单编号", "received_at": "受理时间", "description": "诉求内容", "location": "事发地址",
               "region": "所属区县", "category": "问题类别", "reporter_name": "来电人", "reporter_phone": "联系电话"}
    return HotlineMapping.objects.create(name=name, source=w.hotline, default_category=w.water_pollution,
                                         default_region=w.city, columns=columns)


def hotline_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """A daily export as the centre's system writes it: a CSV with the header row first."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([HOTLINE_HEADER, *rows])
    return out.getvalue().encode(encoding)
