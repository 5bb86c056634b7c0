"""Request and job metrics in Prometheus' text format at /metrics (loopback or a bearer token only).

Request counters live in each process (a gunicorn worker answers for itself; Prometheus sums what it scrapes over
time, so keep one scrape target per worker or read the rates per instance). Job figures are read from the database
at scrape time and are the same from every process.
"""
import hmac
import threading
import time
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache

from .clientip import client_ip
from .jobs import STATUS_LABELS, jobs_by_status

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Jobs and their states, by model: the reminder deliveries, the model runs, the data-set imports.
JOB_MODELS = {"reminder_delivery": "reminders.Delivery", "model_run": "datacheck.Run",
              "dataset_import": "datasets.ImportBatch", "excel_import": "supervision.ImportJob"}
_lock = threading.Lock()
_requests: dict[tuple[str, str, str], int] = defaultdict(int)
_durations: dict[str, list[float]] = defaultdict(lambda: [0] * (len(BUCKETS) + 2))  # buckets…, +Inf count, sum


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match and match.route else "unmatched"


class MetricsMiddleware:
    """Counts every request by method, route (never the raw path: ids would explode the series) and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - start
        route = _route(request)
        with _lock:
            _requests[(request.method, route, str(response.status_code))] += 1
            series = _durations[route]
            for i, bound in enumerate(BUCKETS):
                if elapsed <= bound:
                    series[i] += 1
            series[len(BUCKETS)] += 1
            series[len(BUCKETS) + 1] += elapsed
        return response


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_metrics() -> str:
    """The exposition text: request counts and durations of this process, job counts by state from the database."""
    lines = ["# HELP qingshan_http_requests_total Requests answered by this process.",
             "# TYPE qingshan_http_requests_total counter"]
    with _lock:
        requests = dict(_requests)
        durations = {route: list(series) for route, series in _durations.items()}
    for (method, route, status), count in sorted(requests.items()):
        lines.append(f'qingshan_http_requests_total{{method="{method}",route="{_label(route)}",status="{status}"}} '
                     f"{count}")
    lines += ["# HELP qingshan_http_request_duration_seconds Time to answer a request, by route.",
              "# TYPE qingshan_http_request_duration_seconds histogram"]
    for route, series in sorted(durations.items()):
        route = _label(route)
        for bound, in_bucket in zip(BUCKETS, series, strict=False):
            lines.append(f'qingshan_http_request_duration_seconds_bucket{{route="{route}",le="{bound}"}} {in_bucket}')
        lines.append(f'qingshan_http_request_duration_seconds_bucket{{route="{route}",le="+Inf"}} '
                     f"{series[len(BUCKETS)]}")
        lines.append(f'qingshan_http_request_duration_seconds_count{{route="{route}"}} {series[len(BUCKETS)]}')
        lines.append(f'qingshan_http_request_duration_seconds_sum{{route="{route}"}} {series[len(BUCKETS) + 1]:.6f}')
    lines += ["# HELP qingshan_jobs Background jobs by kind and state (database, all processes).",
              "# TYPE qingshan_jobs gauge"]
    for kind, label in JOB_MODELS.items():
        model = apps.get_model(label)
        for row in model.objects.order_by().values("status").annotate(n=Count("pk")):
            lines.append(f'qingshan_jobs{{kind="{kind}",status="{_label(row["status"])}"}} {row["n"]}')
    lines += ["# HELP qingshan_job_queue Rows of the background job queue by state (database, all processes).",
              "# TYPE qingshan_job_queue gauge"]
    counts = jobs_by_status()
    for state in STATUS_LABELS:
        lines.append(f'qingshan_job_queue{{status="{state.lower()}"}} {counts.get(state, 0)}')
    return "\n".join(lines) + "\n"


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    # Loopback only when nothing forwarded the request: behind a proxy on this host every request comes from 127.0.0.1.
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META
    return not forwarded and client_ip(request) in ("127.0.0.1", "::1")


@never_cache
def metrics_view(request):
    """GET /metrics for Prometheus on this host, or anywhere with `Authorization: Bearer <QINGSHAN_METRICS_TOKEN>`."""
    if not _allowed(request):
        return HttpResponseForbidden("仅限本机或持有监控令牌的请求访问。", content_type="text/plain; charset=utf-8")
    return HttpResponse(render_metrics(), content_type="text/plain; version=0.0.4; charset=utf-8")
