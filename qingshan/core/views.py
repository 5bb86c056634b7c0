"""Pages of the platform itself (not of a domain)."""
from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A Chinese page for a form submitted with an expired or missing CSRF token (nothing was changed)."""
    return render(request, "403_csrf.html", status=403)
