"""For tests: a ledger export as a user makes it — 导出 queues the job, the worker runs it, the asker downloads."""
from django.urls import reverse

from qingshan.core.testing.jobs import run_queued_jobs


def export_response(client, code: str, params: dict | None = None):
    """POST 导出 on ledger `code` with the page's filters, run the queued job and return the download response; a
    refused export returns the (followed) redirect back to the ledger with its message."""
    queued = client.post(reverse("ledgers:export", args=[code]), params or {})
    assert queued.status_code == 302, f"unexpected status {queued.status_code}"
    if "/exports/" not in queued.url:
        return client.get(queued.url)
    run_queued_jobs()
    return client.get(queued.url.rstrip("/") + "/download/")
