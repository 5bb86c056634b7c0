"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), so citizen apps and 12345 platforms can submit
problems and follow them: services (our problem categories), service requests (our problems), in JSON and XML.

A client is a registered sender and identifies itself with its secret as `api_key` (required for every method but
the service list: a request's status is not public here). It sees only the requests it submitted itself.
Field names and shapes follow the spec; values (names, notes) are in Chinese.
"""
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.choices import CLOSED_STATES, TERMINAL_STATES
from qingshan.problems.models import Category, Problem
from qingshan.problems.services import problem_create

from .choices import AlertOutcome
from .models import Alert, Sender
from .services import sender_by_api_key

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
CREATED_FIELDS = ("service_request_id", "service_notice", "account_id")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
MAX_REQUESTS = 1000  # the spec lets a server bound GET requests; 90 days by default


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status, self.code, self.description = status, code or status, description


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _render(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            ET.SubElement(element, key).text = _value(value)
    body = ET.tostring(top, encoding="unicode")
    return HttpResponse('<?xml version="1.0" encoding="utf-8"?>' + body, status=status,
                        content_type="text/xml; charset=utf-8")


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    return _render(fmt, "errors", "error", [{"code": exc.code, "description": exc.description}], exc.status)


def _client(request: HttpRequest) -> Sender:
    sender = sender_by_api_key((request.POST if request.method == "POST" else request.GET).get("api_key", ""))
    if sender is None:
        raise Open311Error(403, "api_key 无效或缺失。")
    return sender


def _service(category: Category) -> dict:
    return {"service_code": category.code, "service_name": category.name, "description": f"{category.name}问题",
            "metadata": False, "type": "realtime", "keywords": "", "group": "生态环境"}


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request_row(problem: Problem, alert: Alert) -> dict:
    closed = problem.state in CLOSED_STATES or problem.state in TERMINAL_STATES
    expected = None
    if problem.handle_deadline:
        expected = dt.datetime.combine(problem.handle_deadline, dt.time(23, 59, 59),
                                       tzinfo=timezone.get_current_timezone())
    return {
        "service_request_id": problem.number, "status": "closed" if closed else "open",
        "status_notes": problem.get_state_display(), "service_name": problem.category.name,
        "service_code": problem.category.code, "description": problem.description,
        "agency_responsible": problem.lead_unit.name if problem.lead_unit else "",
        "service_notice": "", "requested_datetime": _iso(problem.received_at),
        "updated_datetime": _iso(problem.updated_at), "expected_datetime": _iso(expected),
        "address": problem.location, "address_id": "", "zipcode": "",
        "lat": _value(problem.lat) or None, "long": _value(problem.lng) or None, "media_url": alert.media_url,
    }


def _dispatch(handler):
    """Wrap a method: format from the URL, errors in the spec's shape."""
    @csrf_exempt
    def view(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        try:
            return handler(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc)
    return view


@_dispatch
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services: the list of request types (our problem categories)."""
    if request.method != "GET":
        raise Open311Error(405, "只支持 GET。")
    rows = [_service(c) for c in Category.objects.order_by("sort_order", "code")]
    return _render(fmt, "services", "service", rows)


@_dispatch
def service_definition_view(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """GET a service definition: our services take no extra attributes (metadata is false)."""
    if not Category.objects.filter(code=code).exists():
        raise Open311Error(404, f"服务代码 {code} 不存在。")
    if fmt == "json":
        return JsonResponse({"service_code": code, "attributes": []}, json_dumps_params={"ensure_ascii": False})
    top = ET.Element("service_definition")
    ET.SubElement(top, "service_code").text = code
    ET.SubElement(top, "attributes")
    return HttpResponse('<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode"),
                        content_type="text/xml; charset=utf-8")


@_dispatch
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST a service request (form-encoded, as the spec says) or GET the client's own requests."""
    sender = _client(request)
    if request.method == "POST":
        return _create(request, fmt, sender)
    if request.method != "GET":
        raise Open311Error(405, "只支持 GET 和 POST。")
    alerts = _own_requests(sender)
    if ids := request.GET.get("service_request_id", "").strip():
        alerts = alerts.filter(problem__number__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        if code := request.GET.get("service_code", "").strip():
            alerts = alerts.filter(problem__category__code__in=code.split(","))
        start, end = _date(request, "start_date"), _date(request, "end_date")
        end = end or timezone.now()
        start = start or end - dt.timedelta(days=90)
        alerts = alerts.filter(problem__received_at__gte=start, problem__received_at__lte=end)
        if status := request.GET.get("status", "").strip():
            wanted = set(status.split(","))
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status 只能为 open 或 closed。")
            if wanted == {"open"}:
                alerts = alerts.exclude(problem__state__in=TERMINAL_STATES)
            elif wanted == {"closed"}:
                alerts = alerts.filter(problem__state__in=TERMINAL_STATES)
    alerts = alerts.order_by("-problem__received_at")[:MAX_REQUESTS]
    return _render(fmt, "service_requests", "request", [_request_row(a.problem, a) for a in alerts])


@_dispatch
def request_view(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    """GET one service request of this client."""
    sender = _client(request)
    alert = _own_requests(sender).filter(problem__number=number).first()
    if alert is None:
        raise Open311Error(404, f"服务请求 {number} 不存在。")
    return _render(fmt, "service_requests", "request", [_request_row(alert.problem, alert)])


def _own_requests(sender: Sender):
    return (Alert.objects.filter(sender=sender, outcome=AlertOutcome.CREATED)
            .select_related("problem__category", "problem__lead_unit"))


def _date(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None or timezone.is_naive(value):
        raise Open311Error(400, f"{name} 应为带时区的 ISO 8601 时间。")
    return value


def _decimal(data, name: str, low: int, high: int) -> Decimal | None:
    raw = data.get(name, "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Open311Error(400, f"{name} 应为数字。") from None
    if not value.is_finite() or not low <= value <= high:
        raise Open311Error(400, f"{name} 应在 {low} 至 {high} 之间。")
    return value.quantize(Decimal("0.000001"))


def _create(request: HttpRequest, fmt: str, sender: Sender) -> HttpResponse:
    data = request.POST
    category = Category.objects.filter(code=data.get("service_code", "").strip()).first()
    if category is None:
        raise Open311Error(400, "service_code 缺失或不存在。")
    lat, lng = _decimal(data, "lat", -90, 90), _decimal(data, "long", -180, 180)
    address = data.get("address_string", "").strip()[:200]
    if (lat is None or lng is None) and not address:
        raise Open311Error(400, "须提供位置：lat 和 long，或 address_string。")
    description = data.get("description", "").strip()
    if not description:
        raise Open311Error(400, "description（问题描述）不能为空。")
    name = (data.get("last_name", "").strip() + data.get("first_name", "").strip())[:50]
    phone = data.get("phone", "").strip()[:30]
    media = data.get("media_url", "").strip()[:500]
    try:
        with transaction.atomic():
            sender = Sender.objects.select_for_update().select_related(
                "account", "source", "default_region").get(pk=sender.pk)
            problem = problem_create(
                actor=sender.account, title=description[:40] + ("…" if len(description) > 40 else ""),
                description=description[:4000], source=sender.source, category=category,
                region=sender.default_region, location=address, lng=lng, lat=lat, reporter_name=name,
                reporter_phone=phone)
            received = timezone.now()
            Alert.objects.create(
                sender=sender, idempotency_key=f"open311-{problem.number}", alert_type=category.name,
                occurred_at=received, location=address, lng=lng, lat=lat, media_url=media if media.startswith(
                    ("http://", "https://")) else "",
                payload={k: v for k, v in data.items() if k not in ("api_key", "first_name", "last_name", "phone",
                                                                      "email")},
                received_at=received, problem=problem, outcome=AlertOutcome.CREATED)
    except (ServiceError, PermissionRefused) as exc:
        raise Open311Error(400, str(exc)) from None
    return _render(fmt, "service_requests", "request", [
        {"service_request_id": problem.number, "service_notice": "已受理，将按规定时限交办处理。",
         "account_id": data.get("account_id", "") or None}], status=201)
