"""Production: every secret must come from the environment; nothing is generated on disk."""
import os

from .base import *  # noqa: F403

for name in ("QINGSHAN_SECRET_KEY", "QINGSHAN_FIELD_KEYS", "QINGSHAN_AUDIT_KEY", "DATABASE_URL"):
    if not os.environ.get(name):
        raise RuntimeError(f"{name} must be set in production")
SESSION_COOKIE_SECURE = os.environ.get("QINGSHAN_HTTPS", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
