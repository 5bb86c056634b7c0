"""The test suite: same settings as production, fast password hashing, mail kept in memory."""
from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

import tempfile  # noqa: E402

# Each test run writes attachments to its own throw-away folder.
STORAGES = {**STORAGES, "default": {**STORAGES["default"], "OPTIONS": {  # noqa: F405
    "location": tempfile.mkdtemp(prefix="qingshan-test-files-"), "base_url": None}}}

# Each test run keeps its data sets (DuckDB file, Parquet) in its own throw-away folder.
DATASETS_DIR = Path(tempfile.mkdtemp(prefix="qingshan-test-datasets-"))  # noqa: F405
JOB_FILES_DIR = Path(tempfile.mkdtemp(prefix="qingshan-test-jobs-"))  # noqa: F405

# SQLite's test database is a file, not Django's shared-cache memory database: threads of the live server and
# background imports then get SQLite's real locking (WAL readers never wait, a writer waits busy_timeout) instead of
# failing at once with "database table is locked". /dev/shm keeps it in memory where the machine has it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_db_dir = Path(tempfile.mkdtemp(prefix="qingshan-test-db-",  # noqa: F405
                                         dir="/dev/shm" if Path("/dev/shm").is_dir() else None))  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db_dir / "test.sqlite3")}  # noqa: F405

# Audit checkpoints of the test run never land in the data directory (each test also gets its own, conftest.py).
AUDIT_ANCHOR_PATH = Path(tempfile.mkdtemp(prefix="qingshan-test-anchor-")) / "audit-anchor"  # noqa: F405

# The test client's login() passes no request, which django-axes needs: lockouts are switched on only in the tests
# of brute-force protection (qingshan/orgs/tests/test_lockout.py); API rates are far above what any test sends.
AXES_ENABLED = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute",  # noqa: F405
                                                             "user": "100000/minute"}}
