"""Production: every secret must come from the environment, long enough to resist guessing; nothing is generated."""
import os

from .base import *  # noqa: F403

for name in ("QINGSHAN_SECRET_KEY", "QINGSHAN_FIELD_KEYS", "QINGSHAN_AUDIT_KEY", "DATABASE_URL"):
    if not os.environ.get(name):
        raise RuntimeError(f"{name} must be set in production")
# A one-character audit key lets whoever guesses it re-forge the whole chain: 32 bytes or more (e.g. token_hex(32)).
MIN_SECRET_BYTES = 32
for name in ("QINGSHAN_SECRET_KEY", "QINGSHAN_AUDIT_KEY"):
    if len(os.environ[name].strip().encode()) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{name} must be at least {MIN_SECRET_BYTES} bytes long in production "
                           f"(python -c 'import secrets; print(secrets.token_hex(32))')")

# Behind the intranet's HTTPS reverse proxy (see README, "Production"): secure cookies, HSTS, HTTPS redirects.
HTTPS = os.environ.get("QINGSHAN_HTTPS", "1") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and os.environ.get("QINGSHAN_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("QINGSHAN_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("QINGSHAN_HSTS_SUBDOMAINS", "1") == "1"
# An intranet host is never on the browsers' preload list, so the preload flag (and its deploy check) do not apply.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
if os.environ.get("QINGSHAN_PROXY_SSL_HEADER", "1") == "1":
    # The proxy sets X-Forwarded-Proto; it must also strip the header from what clients send.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is asked over plain HTTP by the load balancer and the service manager on the same host.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
