"""The request id (core.middleware) on every log line, so a line can be traced to its request and audit events."""
import logging

from .middleware import current_request_id


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: commands, the sweep, the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs 4xx/5xx answers after the middleware has finished, with the request attached to the record.
        request = getattr(record, "request", None)
        record.request_id = current_request_id.get() or getattr(request, "request_id", "") or "-"
        return True
