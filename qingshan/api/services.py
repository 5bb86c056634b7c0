"""Issuing, rotating and revoking API tokens: each in one transaction with its audit event (never the key)."""
import datetime as dt
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qingshan.audit.services import record_event
from qingshan.core.errors import ServiceError
from qingshan.orgs.models import User

from .models import ApiToken

DEFAULT_TOKEN_DAYS = 365
MAX_TOKEN_DAYS = 3650


class IssuedToken(NamedTuple):
    token: ApiToken
    key: str  # shown once to the operator, stored nowhere
    rotated: bool


def api_token_issue(*, user: User, reason: str = "", days: int = DEFAULT_TOKEN_DAYS,
                    rotate: bool = False) -> IssuedToken:
    """Issue `user`'s API token valid `days` days; with rotate=True replace a live one, which stops working at once."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ServiceError(f"有效期必须在 1 至 {MAX_TOKEN_DAYS} 天之间。", field="days")
    with transaction.atomic():
        user = _locked(user)
        if not user.is_active:
            raise ServiceError(f"用户“{user.username}”已停用，不能签发接口令牌。")
        existing = ApiToken.objects.filter(user=user)
        rotated = existing.live().exists()
        if rotated and not rotate:
            raise ServiceError(f"用户“{user.username}”已有接口令牌，且令牌无法再次显示。"
                               "如需更换，请加 --rotate（旧令牌立即失效）。")
        existing.delete()  # live ones when rotating, expired ones in any case
        token, key = ApiToken.objects.create_with_key(
            user=user, expires_at=timezone.now() + dt.timedelta(days=days))
        _audit(user, "api_token_rotate" if rotated else "api_token_issue", reason, token)
    return IssuedToken(token, key, rotated)


def api_token_revoke(*, user: User, reason: str = "") -> int:
    """Delete every API token of `user` (they stop working at once); returns how many there were."""
    with transaction.atomic():
        user = _locked(user)
        count, _ = ApiToken.objects.filter(user=user).delete()
        if not count:
            raise ServiceError(f"用户“{user.username}”没有接口令牌，无需吊销。")
        _audit(user, "api_token_revoke", reason)
    return count


def _locked(user: User) -> User:
    # Locking the user row serialises two operators issuing for the same user (else both could add a token).
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _audit(user: User, action: str, reason: str, token: ApiToken | None = None) -> None:
    # The key itself never goes into the log: the log is readable by auditors, the key is a password.
    payload = {"username": user.username}
    if token is not None:
        payload["expires_at"] = timezone.localdate(token.expires_at).isoformat()
    record_event(object_type="orgs.user", object_id=user.pk, action=action, reason=reason.strip(),
                 payload=payload, internal=True)
