"""/healthz for probes, /metrics for Prometheus, and the request id on every log line."""
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_and_without_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["duckdb"]["status"] == "ok"
    assert body["checks"]["job_queue"] == {"status": "ok", "oldest_queued_seconds": 0.0, "workers": 0,
                                           "stuck_running": 0}
    assert "no-store" in response["Cache-Control"]


def test_healthz_reports_an_unreadable_duckdb_file_as_503(client, settings, tmp_path, monkeypatch):
    settings.DATASETS_DIR = tmp_path
    (tmp_path / "datasets.duckdb").write_bytes(b"")
    # (The suite may run as root, who can read a 0000 file: the check's view of the file is what is simulated.)
    monkeypatch.setattr("qingshan.datasets.health.os.access", lambda path, mode: False)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["duckdb"] == {"status": "error"}
    assert response.json()["status"] == "error"


def test_metrics_count_requests_by_route_and_jobs_by_state(client, world):
    client.force_login(world.officer)
    client.get("/problems/")
    client.get("/problems/999999/")
    text = client.get("/metrics").content.decode()
    assert '# TYPE qingshan_http_requests_total counter' in text
    assert 'qingshan_http_requests_total{method="GET",route="problems/",status="200"}' in text
    assert 'route="problems/<int:pk>/",status="404"' in text and "999999" not in text
    assert 'qingshan_http_request_duration_seconds_bucket{route="problems/",le="+Inf"}' in text
    assert "# TYPE qingshan_jobs gauge" in text


@override_settings(METRICS_TOKEN="s3cret-token-for-prometheus")
def test_metrics_refuse_other_hosts_and_forwarded_requests_without_the_token(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 403
    # A reverse proxy on this host makes every request look local: a forwarded one is not trusted as local.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.8", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")


def test_every_log_line_carries_the_request_id(client, world):
    from qingshan.core.logging import RequestIdFilter

    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdFilter) for f in h.filters))
    lines = []
    handler.emit = lambda record: lines.append(handler.format(record)) if handler.filter(record) else None
    try:
        client.force_login(world.officer)
        assert client.get("/problems/999999/", HTTP_X_REQUEST_ID="trace-abc-123").status_code == 404
        logging.getLogger("qingshan").warning("outside any request")
    finally:
        del handler.emit
    assert any("[trace-abc-123] django.request: Not Found: /problems/999999/" in line for line in lines), lines
    assert any(line.endswith("[-] qingshan: outside any request") for line in lines), lines
