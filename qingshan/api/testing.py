"""Test helper: a working API token for a user, as an integration holds it."""
import datetime as dt

from django.utils import timezone

from .models import ApiToken


def issue_test_token(user, *, days: int = 365) -> str:
    """Store a token for `user` valid `days` days (no audit event) and return the key to send as `Token <key>`."""
    _, key = ApiToken.objects.create_with_key(user=user, expires_at=timezone.now() + dt.timedelta(days=days))
    return key
