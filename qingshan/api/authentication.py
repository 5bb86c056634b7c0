"""`Authorization: Token <key>` against the hashed token store: expiry, deactivated users and last use."""
import datetime as dt

from django.utils import timezone
from rest_framework import authentication, exceptions, throttling

from .models import ApiToken, token_digest

INVALID_TOKEN_MESSAGE = "接口令牌无效或已被吊销。"
EXPIRED_TOKEN_MESSAGE = "接口令牌已于 {date} 过期，请联系管理员更换令牌。"
INACTIVE_USER_MESSAGE = "接口令牌所属用户已停用。"
# last_used_at is written at most once a minute per token: a busy integration would otherwise write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class FailedTokenThrottle(throttling.SimpleRateThrottle):
    """Wrong tokens per address, at the anonymous rate: DRF throttles only after authentication has succeeded."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "token-failure", "ident": self.get_ident(request)}


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing (keyword "Token"), looking the key up by its digest in ApiToken."""

    keyword = "Token"

    def authenticate(self, request):
        """As DRF's, but an address that keeps sending wrong tokens is answered 429 (no token guessing)."""
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = FailedTokenThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(wait=throttle.wait()) from None
            raise

    def authenticate_credentials(self, key):
        """The token's user, refusing unknown, revoked and expired tokens and deactivated users (401)."""
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN_MESSAGE)
        now = timezone.now()
        if token.expires_at <= now:
            date = timezone.localdate(token.expires_at).isoformat()
            raise exceptions.AuthenticationFailed(EXPIRED_TOKEN_MESSAGE.format(date=date))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_USER_MESSAGE)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
