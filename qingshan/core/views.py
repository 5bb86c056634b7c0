"""Pages of the platform itself (not of a domain)."""
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import NOT_FOUND_MESSAGE


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A Chinese page for a form submitted with an expired or missing CSRF token (nothing was changed)."""
    return render(request, "403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the API's JSON error shape under an API path (an integration parses it), the Chinese page elsewhere."""
    if any(request.path.startswith(prefix) for prefix in API_PREFIXES):
        return JsonResponse({"detail": NOT_FOUND_MESSAGE, "field": None}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "404.html", {"message": chinese_message(exception)}, status=404)


def chinese_message(exception: Exception | None) -> str:
    """The exception's message when it is one of ours, written for the user (Chinese); "" for Django's technical
    ones (Resolver404 carries the URL patterns tried, a bare Http404 an English sentence)."""
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and CJK.search(message) else ""


CJK = re.compile(r"[\u4e00-\u9fff]")


# The API's own paths, and the first version's that still answer.
API_PREFIXES = ("/api/", "/datasets/api/", "/datacheck/api/")
