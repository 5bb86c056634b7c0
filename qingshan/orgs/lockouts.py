"""Brute-force protection (django-axes): every lockout is written to the audit chain."""
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import render

from .services import login_lockout_record


@receiver(user_locked_out, dispatch_uid="qingshan.orgs.lockouts.audit")
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    login_lockout_record(username=username or "", ip_address=ip_address)


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese lock-out page (429), for the login page and the admin's."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "locked_out.html", {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
                  status=429)
