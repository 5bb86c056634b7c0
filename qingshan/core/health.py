"""GET /healthz: is this instance able to serve? For load balancers and service managers: no login, no data."""
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .jobs import queue_health
from .registry import declared


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 -- any failure means "not healthy"; the reason goes to the log, not the probe
        return {"status": "error"}
    return {"status": "ok"}


def _job_queue() -> dict:
    try:
        return queue_health()
    except Exception:  # noqa: BLE001 -- as for the database: the reason goes to the log, not the probe
        return {"status": "error"}


@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the DuckDB file is readable, else 503; each check's status in JSON."""
    # Each app adds the checks of what it owns, as HEALTH_CHECKS = [(name, check)] in <app>/health.py.
    checks = {"database": _database(), **{name: check() for name, check in declared("health", "HEALTH_CHECKS")},
              "job_queue": _job_queue()}
    healthy = all(check["status"] != "error" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
