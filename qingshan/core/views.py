"""Pages of the platform itself (not of a domain)."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A Chinese page for a form submitted with an expired or missing CSRF token (nothing was changed)."""
    return render(request, "403_csrf.html", status=403)
