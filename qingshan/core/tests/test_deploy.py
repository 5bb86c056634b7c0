"""The production settings as README documents them: `check --deploy` passes, weak keys are refused, and whatever the
app writes is readable by its own account only (issue 9, 14 and "Production run")."""
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from qingshan.datasets.storage import duckdb_connect

ROOT = Path(__file__).resolve().parents[3]


def production_environment(data_dir, **overrides) -> dict:
    """The environment README's "Production" section lists (with throw-away secrets)."""
    # The test run's own switches stay out (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would fail the check).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("QINGSHAN_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "QINGSHAN_DATA_DIR": str(data_dir),
        "DATABASE_URL": "postgres://qingshan:secret@127.0.0.1:5432/qingshan",
        "QINGSHAN_SECRET_KEY": secrets.token_urlsafe(50),
        "QINGSHAN_FIELD_KEYS": Fernet.generate_key().decode(),
        "QINGSHAN_AUDIT_KEY": secrets.token_hex(32),
        "QINGSHAN_ALLOWED_HOSTS": "qingshan.example.gov.cn",
        "QINGSHAN_METRICS_TOKEN": secrets.token_hex(32),
    })
    env.update(overrides)
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    env = production_environment(tmp_path)
    readme = (ROOT / "README.md").read_text()
    for name in env:
        if name.startswith(("QINGSHAN_", "DATABASE_URL", "DJANGO_SETTINGS")):
            assert f"{name}=" in readme, f"{name} is not in README's production environment"
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    gunicorn = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--check-config", "-c",
                               "config/gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
    assert gunicorn.returncode == 0, gunicorn.stdout + gunicorn.stderr


@pytest.mark.parametrize("name", ["QINGSHAN_AUDIT_KEY", "QINGSHAN_SECRET_KEY"])
def test_production_refuses_a_short_key(tmp_path, name):
    result = manage(production_environment(tmp_path, **{name: "k" * 31}), "check")
    assert result.returncode != 0 and f"{name} must be at least 32 bytes" in result.stderr


def test_the_data_directory_is_created_private(tmp_path):
    data_dir = tmp_path / "data"
    result = manage(production_environment(data_dir), "check")
    assert result.returncode == 0, result.stderr
    for path in (data_dir, data_dir / "datasets"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


@pytest.mark.django_db
def test_database_and_duckdb_files_are_readable_by_the_app_only():
    with duckdb_connect(read_only=False) as con:
        con.execute("CREATE TABLE IF NOT EXISTS perm_probe (x INTEGER)")
    files = [*settings.DATASETS_DIR.iterdir()]
    if connection.vendor == "sqlite":
        files.append(Path(connection.settings_dict["NAME"]))
    assert files
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path}: {oct(mode)}"
    assert stat.S_IMODE(settings.DATA_DIR.stat().st_mode) & 0o077 == 0
