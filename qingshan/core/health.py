"""GET /healthz: is this instance able to serve? For load balancers and service managers: no login, no data."""
import os

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from qingshan.datasets.catalog import duckdb_path


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 -- any failure means "not healthy"; the reason goes to the log, not the probe
        return {"status": "error"}
    return {"status": "ok"}


def _duckdb() -> dict:
    path = duckdb_path()
    if not path.exists():
        return {"status": "ok", "note": "no data sets yet"}
    return {"status": "ok"} if os.access(path, os.R_OK) else {"status": "error"}


def _job_queue() -> dict:
    # The sweep and the scheduled model runs are cron commands today; a queue, once there is one, reports here.
    return {"status": "not_configured"}


@never_cache
@require_GET
def healthz_view(request):
    """200 when the database answers and the DuckDB file is readable, else 503; each check's status in JSON."""
    checks = {"database": _database(), "duckdb": _duckdb(), "job_queue": _job_queue()}
    healthy = all(check["status"] != "error" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
