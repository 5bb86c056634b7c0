"""A request id per request, so every audit event written while serving it can be traced back to it."""
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An integration may pass its own id so that its logs and ours line up; keep it short and printable.
        incoming = request.headers.get("X-Request-ID", "")[:64]
        request_id = incoming if incoming.isprintable() and incoming else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for log lines written after the middleware (Django's "Not Found")
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response
