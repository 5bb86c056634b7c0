"""Demo part of 机器接入: the city's camera AI platform and the online-monitoring system of key pollution sources,
registered as senders, a routing rule per district (air and noise alerts to its 城管局, solid waste to its 住建局,
water to its 生态环境分局; the last two districts route by hand), and the alerts behind the history's 视频监控预警
problems of the last two weeks, some repeated by the same camera and counted on the same problem.

Like the rest of the history this writes rows with their audit events dated in the past: calling the intake service
would stamp every alert with today's date. The live path is exercised by posting to the webhook (README).
"""
import datetime as dt
import random

from qingshan.access.crypto import encrypt
from qingshan.audit.services import EventSpec, record_events
from qingshan.intake.choices import AlertOutcome
from qingshan.intake.models import Alert, HotlineMapping, RoutingRule, Sender
from qingshan.intake.signing import new_secret, secret_digest
from qingshan.problems.models import Problem, Source

CAMERA_KINDS = {"air": ["露天焚烧", "工地扬尘"], "solid_waste": ["渣土车未密闭", "垃圾堆放"],
                "noise": ["夜间违规施工"], "water": ["河道漂浮物", "疑似偷排"]}
RULE_UNIT = {"air": "urban", "noise": "urban", "solid_waste": "housing", "water": "eco"}


def _secret() -> dict:
    secret = new_secret()  # never shown: an administrator rotates it to hand it to the real platform
    return {"secret_encrypted": encrypt(secret), "secret_sha256": secret_digest(secret)}


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """Register the two senders and their rules, and the alerts behind recent camera problems; a summary line."""
    if Sender.objects.exists():
        return "机器接入：接入方已存在，未重复生成。"
    account = city.users["office_staff"]
    categories = {c.code: c for c in city.categories}
    camera_source = next(s for s in city.sources if s.code == "camera")
    monitor_source, _ = Source.objects.get_or_create(code="monitor",
                                                     defaults={"name": "在线监测超标", "sort_order": 99})
    cameras = Sender.objects.create(
        code="city-cameras", name="城市视频监控AI平台", account=account, source=camera_source,
        default_category=categories["air"], default_region=city.region, **_secret())
    Sender.objects.create(
        code="online-monitor", name="重点污染源在线监测系统", account=account, source=monitor_source,
        default_category=categories["water"], default_region=city.region, **_secret())
    rules = {}
    for district in city.districts[: max(1, len(city.districts) - 2)]:
        for category, bureau in RULE_UNIT.items():
            rules[(district.region.path, category)] = RoutingRule.objects.create(
                category=categories[category], region=district.region, lead_unit=district.bureaus[bureau])
    hotline = next(s for s in city.sources if s.code == "12345")
    HotlineMapping.objects.create(
        name="12345热线日报", source=hotline, default_category=categories["water"], default_region=city.region,
        columns={"ticket_no": "工单编号", "received_at": "受理时间", "title": "诉求标题", "description": "诉求内容",
                 "location": "事发地址", "region": "所属区县", "category": "问题分类", "reporter_name": "来电人",
                 "reporter_phone": "来电号码"})
    since = dt.datetime.combine(end - dt.timedelta(days=14), dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    problems = list(Problem.objects.filter(source=camera_source, received_at__gte=since, merged_into__isnull=True)
                    .select_related("category", "lead_unit", "region").order_by("number")[:60])
    alerts, events = [], []
    for n, problem in enumerate(problems):
        kinds = CAMERA_KINDS.get(problem.category.code, ["疑似环境违法行为"])
        device, kind = f"CAM-{rng.randint(1, 400):04d}", rng.choice(kinds)
        first = problem.received_at - dt.timedelta(minutes=rng.randint(1, 20))
        rule = next((r for (path, category), r in rules.items() if category == problem.category.code
                     and problem.region.path.startswith(path) and r.lead_unit_id == problem.lead_unit_id), None)
        repeats = rng.choice([0, 0, 0, 1, 2, 3])
        for k in range(repeats + 1):
            occurred = first + dt.timedelta(minutes=37 * k)
            received = max(problem.received_at, occurred + dt.timedelta(seconds=5)) if k else problem.received_at
            alerts.append(Alert(
                sender=cameras, idempotency_key=f"{device}-{occurred:%Y%m%d%H%M}-{n}", alert_type=kind, device=device,
                occurred_at=occurred, location=problem.location, lng=problem.lng, lat=problem.lat,
                media_url=f"http://video.intranet/{device}/{occurred:%Y%m%d%H%M}.jpg",
                payload={"alert_type": kind, "occurred_at": occurred.isoformat(), "device": device},
                received_at=received, problem=problem, outcome=AlertOutcome.JOINED if k else AlertOutcome.CREATED,
                routed_by=rule if not k else None))
    Alert.objects.bulk_create(alerts)
    for alert in Alert.objects.filter(sender=cameras).select_related("problem", "routed_by").order_by("received_at",
                                                                                                      "pk"):
        events.append(EventSpec(
            object_type="intake_alert", object_id=alert.pk, action="receive", actor=account,
            payload={"sender": cameras.code, "key": alert.idempotency_key, "problem": alert.problem.number,
                     "outcome": alert.outcome, "rule": str(alert.routed_by or "")}, created_at=alert.received_at))
    record_events(events)
    return (f"机器接入：2 个接入方，{len(rules)} 条自动交办规则，{len(alerts)} 条预警（{len(problems)} 个问题，"
            f"其余为同一摄像头的重复预警）。")
