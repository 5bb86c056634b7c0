"""The test suite: same settings as production, fast password hashing, mail kept in memory."""
from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

import tempfile  # noqa: E402

# Each test run writes attachments to its own throw-away folder.
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {  # noqa: F405
    "location": tempfile.mkdtemp(prefix="qingshan-test-files-"), "base_url": None}}}
