"""manage.py backup / restore (issue 9): a backup restored into an empty data directory is a working instance whose
audit chain verifies; a backup whose files were changed, or a target that already holds data, is refused."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from qingshan.backup.manifest import fingerprint
from qingshan.datasets.storage import duckdb_connect, writer_lock
from qingshan.problems.choices import State
from qingshan.problems.models import Attachment
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=True)


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run manage.py as a separate instance on `data_dir` (SQLite there), with this instance's keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGSHAN_", "DATABASE_URL", "DJANGO_"))}
    env.update(QINGSHAN_DATA_DIR=str(data_dir), QINGSHAN_FIELD_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
               QINGSHAN_AUDIT_KEY=settings.AUDIT_HMAC_KEY, DJANGO_SETTINGS_MODULE="config.settings.dev")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def backup(transactional_db, world, tmp_path, settings):
    """A committed instance (events anchored after each commit, an attachment, a data set) and its backup."""
    settings.DATASETS_DIR = tmp_path / "datasets"
    drive_to(world, State.CLOSED)
    with writer_lock(), duckdb_connect(read_only=False) as con:
        con.execute("CREATE TABLE ds_backup_probe AS SELECT 42 AS answer")
    folder = tmp_path / "backup"
    call_command("backup", str(folder), stdout=open(os.devnull, "w"))
    return folder


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                    reason="the restored instance is an SQLite one in a fresh data directory")
def test_a_backup_restores_into_an_empty_data_directory_and_its_audit_chain_verifies(backup, tmp_path):
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == {"vendor": "sqlite", "method": "sqlite-backup",
                                    "file": "database/qingshan.sqlite3"}
    assert manifest["keys"]["audit_key"] == fingerprint(settings.AUDIT_HMAC_KEY)
    assert "audit-anchor" in manifest["files"] and "datasets/datasets.duckdb" in manifest["files"]
    attachment = Attachment.objects.first()
    assert attachment is not None and f"files/{attachment.file.name}" in manifest["files"]
    everything = b"".join(p.read_bytes() for p in backup.rglob("*") if p.is_file())
    for key in [settings.AUDIT_HMAC_KEY, *settings.FIELD_ENCRYPTION_KEYS]:
        assert key.encode() not in everything  # the keys never enter a backup

    target = tmp_path / "restored"
    restored = manage(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "恢复完成" in restored.stdout
    verified = manage(target, "verify_audit")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("审计链完整：共 ") and "未发现篡改（已对照锚点" in verified.stdout
    assert (target / "private" / attachment.file.name).read_bytes() == attachment.file.open("rb").read()
    assert (target / "datasets" / "datasets.duckdb").exists()

    again = manage(target, "restore", str(backup))  # the target now holds data: never overwritten
    assert again.returncode != 0 and "恢复目标不是空实例：数据库已有" in again.stderr


def test_a_tampered_backup_is_refused(backup):
    name = json.loads((backup / "manifest.json").read_text())["database"]["file"]
    data = bytearray((backup / name).read_bytes())
    data[-100] ^= 0xFF
    (backup / name).write_bytes(bytes(data))
    with pytest.raises(CommandError, match=rf"^备份校验失败，拒绝恢复：文件 {name} 的校验值不符（已被改动或损坏）。$"):
        call_command("restore", str(backup))


def test_an_added_file_is_refused(backup):
    (backup / "files" / "extra.txt").write_text("x")
    with pytest.raises(CommandError, match="多出未登记的文件 files/extra.txt"):
        call_command("restore", str(backup))


def test_a_restore_with_another_audit_key_is_refused(backup):
    with override_settings(AUDIT_HMAC_KEY="another-key"), pytest.raises(
            CommandError, match=r"当前配置的审计密钥（QINGSHAN_AUDIT_KEY）与备份时的不同"):
        call_command("restore", str(backup))


def test_a_restore_over_an_instance_with_data_is_refused(backup):
    with pytest.raises(CommandError, match=r"^恢复目标不是空实例：数据库已有 \d+ 张表；附件目录 .* 不为空"):
        call_command("restore", str(backup))


def test_a_backup_into_a_folder_with_files_is_refused(db, tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="已存在且不为空"):
        call_command("backup", str(tmp_path))
