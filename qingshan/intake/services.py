"""Machine intake: an alert from a registered sender becomes a problem, or joins the open problem it repeats, and is
dispatched when a routing rule matches. Every step is audited; a person can split a joined alert back out.

Concurrent retries (one idempotency key) and repeats (one device and alert type) of the same alert are handled one at
a time: on PostgreSQL each takes a transaction-scoped advisory lock on its key and on its device and type, so they can
never create two problems, while alerts of other devices of the same sender go through side by side.
"""
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Model, Q
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from qingshan.access.crypto import decrypt, encrypt
from qingshan.access.intake import may_decide
from qingshan.audit.services import EventSpec, record_event, record_events
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import Region, User
from qingshan.problems.choices import TERMINAL_STATES, State
from qingshan.problems.models import Category, Problem, Source
from qingshan.problems.services import problem_create, problem_merge

from .choices import AlertOutcome
from .models import Alert, DuplicateProposal, RoutingRule, Sender
from .signing import new_secret, secret_digest

log = logging.getLogger(__name__)
OBJECT_TYPE = "intake_alert"
LOCAL = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class AlertInput:
    alert_type: str
    occurred_at: dt.datetime
    device: str
    location: str
    lng: Decimal | None
    lat: Decimal | None
    region: Region
    category: Category
    media_url: str
    title: str
    description: str


@dataclass(frozen=True)
class Received:
    """What the webhook answers: the problem's number, what became of the alert, whether this request created it
    (False: a retry of the same key), and how many alerts the problem has had."""

    number: str
    outcome: str
    new: bool
    recurrences: int


# ---------------------------------------------------------------- senders (administration)


def sender_register(*, actor: User, sender: Sender) -> str:
    """Save a new sender (filled in by the administrator) with a fresh secret; returns the secret, shown once."""
    if not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以登记接入方。")
    secret = new_secret()
    with transaction.atomic():
        sender.secret_encrypted, sender.secret_sha256 = encrypt(secret), secret_digest(secret)
        sender.save()
        record_event(object_type="intake_sender", object_id=sender.pk, action="create", actor=actor,
                     payload={"code": sender.code, "name": sender.name})
    return secret


def sender_rotate_secret(*, actor: User, sender: Sender) -> str:
    """Give the sender a new secret (the old one stops working at once); returns it, shown once."""
    if not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以更换接入密钥。")
    secret = new_secret()
    with transaction.atomic():
        Sender.objects.filter(pk=sender.pk).update(secret_encrypted=encrypt(secret),
                                                   secret_sha256=secret_digest(secret))
        record_event(object_type="intake_sender", object_id=sender.pk, action="rotate_secret", actor=actor,
                     payload={"code": sender.code})
    return secret


def sender_secret(sender: Sender) -> str:
    return decrypt(sender.secret_encrypted)


# What intake reads of a sender with it, every request: the account it registers problems in, the source, default
# category and default region (all required).
_SENDER_PARTS = (("account", User), ("source", Source), ("default_category", Category), ("default_region", Region))


# For each model read: its class, and each of its columns with the converters Django applies to that column's value.
_Converters = list[tuple[type[Model], list[tuple[Col, list[Any]]]]]


@cache
def _sender_read() -> tuple[str, _Converters]:
    """The active-sender read, written out once per process (built by the ORM on every request it cost three times
    the statement itself, bench/RESULTS_intake.md), and for each model read, each column's converters: the values
    Django's own query would give (Decimal, aware datetimes on SQLite)."""
    quote = connection.ops.quote_name
    parts = [("s", Sender), *((f"r{i}", model) for i, (_, model) in enumerate(_SENDER_PARTS))]
    columns = ", ".join(f"{alias}.{quote(f.column)}" for alias, model in parts for f in model._meta.concrete_fields)
    joins = " ".join(f"JOIN {quote(model._meta.db_table)} r{i} ON r{i}.id = s.{quote(name + '_id')}"
                     for i, (name, model) in enumerate(_SENDER_PARTS))
    sql = (f"SELECT {columns} FROM {quote(Sender._meta.db_table)} s {joins} "
           "WHERE s.{column} = %s AND s.is_active ORDER BY s.code LIMIT 1")  # the model's ordering, as .first() had
    converters: _Converters = []
    for alias, model in parts:
        cols = [field.get_col(alias) for field in model._meta.concrete_fields]
        converters.append((model, [(col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                                   for col in cols]))
    return sql, converters


def _active_sender(column: str, value: str) -> Sender | None:
    sql, converters = _sender_read()
    with connection.cursor() as cursor:
        cursor.execute(sql.format(column=connection.ops.quote_name(column)), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)

    def instance(model: type[Model], columns: list[tuple[Col, list[Any]]]) -> Any:
        converted = []
        for col, steps in columns:
            result = next(values)
            for step in steps:
                result = step(result, col, connection)
            converted.append(result)
        return model.from_db(connection.alias, [col.target.attname for col, _ in columns], converted)

    (_, own), *related = converters
    sender = instance(Sender, own)
    for (name, _), (model, columns) in zip(_SENDER_PARTS, related, strict=True):
        setattr(sender, name, instance(model, columns))  # sets the relation's cache: no query when it is read
    return sender


def sender_by_code(code: str) -> Sender | None:
    """The active sender of this code (the webhook's X-Qingshan-Sender), with what intake reads of it."""
    return _active_sender("code", code) if code else None


def sender_by_api_key(api_key: str) -> Sender | None:
    """The active sender whose secret is `api_key` (Open311 identifies a client by its api_key)."""
    return _active_sender("secret_sha256", secret_digest(api_key)) if api_key else None


# ---------------------------------------------------------------- receiving


def _text(payload: dict, key: str, label: str, *, required: bool = False, max_length: int = 100) -> str:
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(f"字段 {key}（{label}）应为文本。", field=key)
    value = value.strip()
    if required and not value:
        raise ServiceError(f"缺少字段 {key}（{label}）。", field=key)
    if len(value) > max_length:
        raise ServiceError(f"字段 {key}（{label}）超过 {max_length} 个字符。", field=key)
    return value


def _coordinate(payload: dict, key: str, label: str, low: int, high: int) -> Decimal | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ServiceError(f"字段 {key}（{label}）应为数字。", field=key)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError(f"字段 {key}（{label}）应为数字。", field=key) from None
    if not number.is_finite() or not low <= number <= high:
        raise ServiceError(f"字段 {key}（{label}）应在 {low} 至 {high} 之间。", field=key)
    return number.quantize(Decimal("0.000001"))


def parse_alert(sender: Sender, payload: object) -> AlertInput:
    """The alert's fields, checked; a clear Chinese message names the first wrong field."""
    if not isinstance(payload, dict):
        raise ServiceError("请求体应为 JSON 对象。")
    alert_type = _text(payload, "alert_type", "预警类型", required=True)
    raw_time = _text(payload, "occurred_at", "发生时间", required=True, max_length=40)
    occurred_at = parse_datetime(raw_time)
    if occurred_at is None:
        raise ServiceError("字段 occurred_at（发生时间）应为 ISO 8601 时间，如 2026-12-04T10:20:00+08:00。",
                           field="occurred_at")
    if timezone.is_naive(occurred_at):
        occurred_at = occurred_at.replace(tzinfo=LOCAL)
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("字段 occurred_at（发生时间）晚于当前时间。", field="occurred_at")
    lng = _coordinate(payload, "lng", "经度", -180, 180)
    lat = _coordinate(payload, "lat", "纬度", -90, 90)
    if (lng is None) != (lat is None):
        raise ServiceError("经度和纬度须同时提供。", field="lng")
    region = sender.default_region
    if code := _text(payload, "region", "区划代码", max_length=20):
        found = Region.objects.filter(code=code).first()
        if found is None or not found.path.startswith(sender.default_region.path):
            raise ServiceError(f"区划代码 {code} 不存在或不在本接入方的范围内。", field="region")
        region = found
    category = sender.default_category
    if code := _text(payload, "category", "问题类别代码", max_length=30):
        found_category = Category.objects.filter(code=code).first()
        if found_category is None:
            raise ServiceError(f"问题类别代码 {code} 不存在。", field="category")
        category = found_category
    media_url = _text(payload, "media_url", "图像或视频链接", max_length=500)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise ServiceError("字段 media_url（图像或视频链接）不是有效的网址。", field="media_url") from None
    return AlertInput(
        alert_type=alert_type, occurred_at=occurred_at, device=_text(payload, "device", "设备编号"),
        location=_text(payload, "location", "位置", max_length=200), lng=lng, lat=lat, region=region,
        category=category, media_url=media_url, title=_text(payload, "title", "标题", max_length=200),
        description=_text(payload, "description", "描述", max_length=2000))


def _describe(sender: Sender, data: AlertInput) -> str:
    when = timezone.localtime(data.occurred_at).strftime("%Y-%m-%d %H:%M")
    parts = [f"{sender.name}于 {when} 预警：{data.alert_type}。"]
    if data.description:
        parts.append(data.description)
    if data.device:
        parts.append(f"设备编号：{data.device}。")
    if data.location:
        parts.append(f"位置：{data.location}。")
    if data.lng is not None:
        parts.append(f"坐标：{data.lng}, {data.lat}。")
    if data.media_url:
        parts.append(f"图像/视频：{data.media_url}")
    return "\n".join(parts)


OPEN_STATES = sorted(set(State) - set(TERMINAL_STATES))
LOCK_SPACE = 1_4_0001  # the first key of the two-key advisory locks taken here (the audit chain uses one-key locks)


def _lock_alert(sender: Sender, key: str, data: AlertInput | None) -> None:
    """Serialise the requests that could answer for the same alert: the same idempotency key, and (when
    deduplication applies) the same device and alert type. One statement; a no-op off PostgreSQL, where writes are
    serialised by the database itself. Every request takes the key lock before the device lock, so no two wait on
    each other in a circle."""
    if connection.vendor != "postgresql":
        return
    names = [f"key:{sender.pk}:{key}"]
    if data is not None and data.device and settings.INTAKE_DEDUP_ENABLED:
        names.append(f"device:{sender.pk}:{data.device}:{data.alert_type}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s, hashtext(%s))"] * len(names)),
                       [v for name in names for v in (LOCK_SPACE, name)])


@dataclass(frozen=True)
class Found:
    """An alert already received: the one a retry repeats, or the open one a repeat joins."""

    pk: int
    idempotency_key: str
    outcome: str
    problem_id: int
    number: str
    recurrences: int


# Written out (not built by the ORM on every request: this is the busiest read of intake). Table names come from the
# models; every value is a parameter ({repeat} is _REPEAT_SQL or nothing).
_FOUND_SQL = f"""
SELECT a.id, a.idempotency_key, a.outcome, a.problem_id, p.number,
       (SELECT count(*) FROM {Alert._meta.db_table} n WHERE n.problem_id = a.problem_id) AS recurrences
FROM {Alert._meta.db_table} a JOIN {Problem._meta.db_table} p ON p.id = a.problem_id
WHERE a.sender_id = %s AND (a.idempotency_key = %s{{repeat}})
ORDER BY CASE WHEN a.idempotency_key = %s THEN 0 ELSE 1 END, a.occurred_at DESC, a.id DESC
LIMIT 1"""
_REPEAT_SQL = (" OR (a.device = %s AND a.alert_type = %s AND a.occurred_at >= %s AND a.occurred_at <= %s"
               f" AND p.state IN ({', '.join(['%s'] * len(OPEN_STATES))}))")


def _known_or_repeated(sender: Sender, key: str, data: AlertInput | None) -> Found | None:
    """One indexed read for both questions: the alert already received under this idempotency key (it comes first),
    else the latest alert of the same device and type within the window whose problem is still open. Either comes
    with the count of alerts on its problem (`recurrences`)."""
    params: list[Any] = [sender.pk, key]
    repeat = ""
    if data is not None and data.device and settings.INTAKE_DEDUP_ENABLED:
        window = dt.timedelta(hours=settings.INTAKE_DEDUP_WINDOW_HOURS)
        repeat = _REPEAT_SQL
        # Bounds as the backend stores datetimes (naive UTC text on SQLite: compared as text there)
        adapt = connection.ops.adapt_datetimefield_value
        params += [data.device, data.alert_type, adapt(data.occurred_at - window), adapt(data.occurred_at + window),
                   *OPEN_STATES]
    with connection.cursor() as cursor:
        cursor.execute(_FOUND_SQL.format(repeat=repeat), [*params, key])
        row = cursor.fetchone()
    return Found(*row) if row else None


def matching_rule(sender: Sender, category: Category, region: Region, lng: Decimal | None = None,
                  lat: Decimal | None = None) -> RoutingRule | None:
    """The routing rule for this category, region and point: a rule of a grid the point falls in first, then the
    most specific region, then priority. A grid rule never matches an alert without coordinates."""
    rules = (RoutingRule.objects.filter(is_active=True)
             .filter(Q(category=category) | Q(category__isnull=True), Q(sender=sender) | Q(sender__isnull=True))
             .filter(Q(area__isnull=True) | Q(area__is_active=True))
             .select_related("region", "lead_unit", "area"))
    has_point = lng is not None and lat is not None
    candidates = [r for r in rules if region.path.startswith(r.region.path)
                  and (r.area is None or (has_point and r.area.contains(lng, lat)))]
    candidates.sort(key=lambda r: (r.area_id is None, -len(r.region.path), r.category_id is None,
                                   r.sender_id is None, r.priority, r.pk))
    return candidates[0] if candidates else None


def alert_receive(*, sender: Sender, key: str, payload: object) -> Received:
    """Accept one alert: a retry of a known key returns the first answer; a repeat of an open alert joins its
    problem; otherwise a new problem is registered and, when a rule matches, dispatched."""
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise ServiceError("幂等键（Idempotency-Key）应为 1 至 100 个字符。", field="idempotency_key")
    data: AlertInput | None = None
    error: ServiceError | None = None
    try:
        data = parse_alert(sender, payload)
    except ServiceError as exc:  # a retry of a known key still gets its first answer
        data, error = None, exc
    with transaction.atomic():
        _lock_alert(sender, key, data)
        found = _known_or_repeated(sender, key, data)
        if found is not None and found.idempotency_key == key:
            return Received(found.number, found.outcome, False, found.recurrences)
        if data is None:
            assert error is not None
            raise error
        common = dict(sender=sender, idempotency_key=key, alert_type=data.alert_type, device=data.device,
                      occurred_at=data.occurred_at, location=data.location, lng=data.lng, lat=data.lat,
                      media_url=data.media_url, payload=payload, received_at=timezone.now())
        if found is not None:
            alert = Alert.objects.create(problem_id=found.problem_id, outcome=AlertOutcome.JOINED, **common)
            _audit(alert, sender, payload={"problem": found.number, "outcome": alert.outcome,
                                           "rule": "同一设备、同一预警类型、时间窗内且问题未办结",
                                           "window_hours": settings.INTAKE_DEDUP_WINDOW_HOURS,
                                           "score": 1.0, "joined_alert": found.pk})
            return Received(found.number, alert.outcome, True, found.recurrences + 1)
        fields: dict[str, Any] = dict(
            actor=sender.account, title=(data.title or f"{data.alert_type}（{data.device or sender.name}）")[:200],
            description=_describe(sender, data), source=sender.source, category=data.category, region=data.region,
            location=data.location, lng=data.lng, lat=data.lat)
        rule = matching_rule(sender, data.category, data.region, data.lng, data.lat)
        made: list[tuple[Alert, str]] = []

        def record_alert(routed: RoutingRule | None) -> Callable[[Problem], list[EventSpec]]:
            def then(problem: Problem) -> list[EventSpec]:
                alert = Alert.objects.create(problem=problem, outcome=AlertOutcome.CREATED, routed_by=routed,
                                             **common)
                made.append((alert, problem.number))
                return [_event(alert, sender, payload={
                    "problem": problem.number, "outcome": alert.outcome,
                    "dispatched_to": str(routed.lead_unit) if routed else "", "rule": str(routed) if routed else "",
                    "rule_id": routed.pk if routed else None})]
            return then

        if rule is not None:  # registered, dispatched and recorded in one write
            try:
                problem_create(**fields, dispatch_to=rule.lead_unit, dispatch_note=f"按自动交办规则交办：{rule}",
                               then=record_alert(rule))
            except (ServiceError, PermissionRefused) as exc:  # left for a person (its savepoint is rolled back)
                log.warning("intake: rule %s could not dispatch an alert of %s: %s", rule.pk, sender.code, exc)
                made.clear()
        if not made:
            problem_create(**fields, then=record_alert(None))
        alert, number = made[0]
        return Received(number, alert.outcome, True, 1)


def _event(alert: Alert, sender: Sender, *, payload: dict, action: str = "receive", actor: User | None = None,
           reason: str = "") -> EventSpec:
    return EventSpec(object_type=OBJECT_TYPE, object_id=alert.pk, action=action, actor=actor or sender.account,
                     reason=reason, payload={"sender": sender.code, "key": alert.idempotency_key, **payload})


def _audit(alert: Alert, sender: Sender, *, payload: dict, action: str = "receive", actor: User | None = None,
           reason: str = "") -> None:
    record_events([_event(alert, sender, payload=payload, action=action, actor=actor, reason=reason)])


# ---------------------------------------------------------------- undoing an automatic merge


def alert_detach(*, actor: User, alert: Alert, reason: str) -> Problem:
    """Split a joined alert out of the problem it was merged into: it gets a problem of its own (registered by the
    person who splits it), and the first problem's count of repeats drops by one."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写拆分理由。", field="reason")
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related(
            "sender__source", "sender__default_category", "sender__default_region", "problem").get(pk=alert.pk)
        if alert.outcome != AlertOutcome.JOINED:
            raise ServiceError("只有自动并入已有问题的预警可以拆分。")
        data = parse_alert(alert.sender, alert.payload)
        first = alert.problem
        problem = problem_create(
            actor=actor, title=(data.title or f"{data.alert_type}（{data.device or alert.sender.name}）")[:200],
            description=_describe(alert.sender, data), source=alert.sender.source, category=data.category,
            region=data.region, location=data.location, lng=data.lng, lat=data.lat)
        alert.problem, alert.outcome = problem, AlertOutcome.DETACHED
        alert.save(update_fields=["problem", "outcome"])
        _audit(alert, alert.sender, action="detach", actor=actor, reason=reason,
               payload={"from_problem": first.number, "problem": problem.number})
        return problem


# ---------------------------------------------------------------- duplicate proposals


def _locked_proposal(proposal: DuplicateProposal) -> DuplicateProposal:
    locked = DuplicateProposal.objects.select_for_update(of=("self",)).select_related(
        "problem", "candidate").get(pk=proposal.pk)
    if locked.status != DuplicateProposal.Status.PENDING:
        raise ServiceError("该疑似重复已处理。")
    return locked


def proposal_merge(*, actor: User, proposal: DuplicateProposal, reason: str = "") -> Problem:
    """并单: the new problem is merged into the open one it repeats, by the work loop's own merge (its permission
    check and audit), and the proposal is closed."""
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        merged = problem_merge(actor=actor, duplicate=proposal.problem, primary=proposal.candidate,
                               reason=(reason or "").strip() or f"与 {proposal.candidate.number} 为同一问题（相似度 "
                                                                 f"{proposal.score}）")
        _decide(proposal, actor, DuplicateProposal.Status.MERGED, reason)
        return merged


def proposal_dismiss(*, actor: User, proposal: DuplicateProposal, reason: str) -> DuplicateProposal:
    """不是重复: the person who may merge says the two are different problems."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请说明为何不是重复问题。", field="reason")
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        if not may_decide(actor, proposal):
            raise PermissionRefused("只有问题的督办单位工作人员可以确认疑似重复。")
        _decide(proposal, actor, DuplicateProposal.Status.DISMISSED, reason)
        return proposal


def _decide(proposal: DuplicateProposal, actor: User, status: str, reason: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor, timezone.now()
    proposal.decision_reason = (reason or "")[:300]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(object_type="intake_duplicate", object_id=proposal.pk, action=status, actor=actor, reason=reason,
                 payload={"problem": proposal.problem.number, "candidate": proposal.candidate.number,
                          "score": float(proposal.score)})
