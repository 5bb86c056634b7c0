"""API tokens of system integrations, stored only as a digest so that a leaked database grants no API access."""
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# 32 random bytes: 256 bits, far beyond guessing, so one SHA-256 (not a slow password hash) is the right digest and
# lets the lookup be an indexed equality.
KEY_BYTES = 32


def token_digest(key: str) -> str:
    """The SHA-256 hex digest under which a key is stored; the key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_token_key() -> str:
    """A fresh random key (64 hex characters) to hand to the integration once."""
    return secrets.token_hex(KEY_BYTES)


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        """Tokens not yet expired."""
        return self.filter(expires_at__gt=timezone.now())

    def create_with_key(self, *, user, expires_at) -> tuple["ApiToken", str]:
        """Store a new token (its digest only) and return it with its key, which exists nowhere else afterwards."""
        key = new_token_key()
        return self.create(user=user, digest=token_digest(key), expires_at=expires_at), key


class ApiToken(models.Model):
    """An integration's API token: its user, its expiry and when it was last used; the key only as a digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="用户")
    digest = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} 的接口令牌（{self.expires_at:%Y-%m-%d} 到期）"
