"""manage.py backup: one consistent copy of an instance — database, data-set DuckDB file, attachments and audit
checkpoints — with a manifest of hashes. The keys are checked, never copied."""
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from qingshan.access.crypto import decrypt
from qingshan.audit.anchor import anchor_path
from qingshan.audit.chain import digest_of
from qingshan.audit.models import AuditEvent
from qingshan.datasets.catalog import duckdb_path
from qingshan.datasets.storage import writer_lock
from qingshan.problems.models import Reporter

from .manifest import BackupError, write_manifest

DATABASE, DATASETS, FILES, ANCHOR = "database", "datasets", "files", "audit-anchor"


def check_keys() -> None:
    """The keys this instance's data needs are configured and are the ones its data was written with."""
    if not settings.AUDIT_HMAC_KEY.strip() or not any(k.strip() for k in settings.FIELD_ENCRYPTION_KEYS):
        raise BackupError("未配置审计密钥（QINGSHAN_AUDIT_KEY）或个人信息密钥（QINGSHAN_FIELD_KEYS），拒绝备份。")
    last = AuditEvent.objects.order_by("-seq").first()
    if last is not None and digest_of(last) != last.hash:
        raise BackupError(f"配置的审计密钥无法验证最新的审计事件（序号 {last.seq}）：密钥不对，或事件已被篡改。"
                          "请先运行 manage.py verify_audit。")
    reporter = Reporter.objects.first()
    if reporter is not None:
        try:
            decrypt(reporter.name_encrypted)
        except RuntimeError as exc:
            raise BackupError("配置的个人信息密钥无法解密库中的来电人信息，拒绝备份。") from exc


def sqlite_copy(source_path, target_path) -> None:
    """Copy an SQLite database with the online backup API: a consistent snapshot even while others write to it."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_sqlite(folder: Path) -> dict:
    sqlite_copy(connection.settings_dict["NAME"], folder / "qingshan.sqlite3")
    return {"vendor": "sqlite", "method": "sqlite-backup", "file": f"{DATABASE}/qingshan.sqlite3"}


def pg_env() -> dict:
    """Connection settings for pg_dump/pg_restore, passed by environment so the password is not on a command line."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _dump_postgresql(folder: Path) -> dict:
    if shutil.which("pg_dump"):
        # pg_dump reads one snapshot of the whole database: consistent while the application keeps writing.
        path = folder / "qingshan.dump"
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path)],
                              env=pg_env(), capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
        return {"vendor": "postgresql", "method": "pg_dump", "file": f"{DATABASE}/qingshan.dump"}
    # Without pg_dump: every table dumped inside one REPEATABLE READ transaction, i.e. from one snapshot. XML, as
    # JSON would cut times to milliseconds and the audit events' MACs cover the microseconds.
    path = folder / "qingshan.xml"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command("dumpdata", format="xml", output=str(path), verbosity=0)
    return {"vendor": "postgresql", "method": "dumpdata", "file": f"{DATABASE}/qingshan.xml"}


def _copy_datasets(folder: Path) -> list[str]:
    """The DuckDB file (and its WAL), copied while no import or schema change can write to it."""
    source = duckdb_path()
    copied = []
    with writer_lock():
        for path in (source, source.with_name(source.name + ".wal")):
            if path.exists():
                folder.mkdir(exist_ok=True)
                shutil.copy2(path, folder / path.name)
                copied.append(path.name)
    return copied


def attachments_dir() -> Path:
    """Where uploaded attachments live (the default file storage's folder)."""
    return Path(default_storage.location)


def create_backup(target: Path) -> dict:
    """Copy the instance into the empty folder `target`; returns the manifest."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"备份目录 {target} 已存在且不为空，请指定一个新的空目录。")
    check_keys()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    # Checkpoints first: they trail the commits, so the database copied next reaches at least as far as they do.
    if anchor_path().exists():
        shutil.copy2(anchor_path(), target / ANCHOR)
    (target / DATABASE).mkdir()
    database = (_dump_sqlite if connection.vendor == "sqlite" else _dump_postgresql)(target / DATABASE)
    datasets = _copy_datasets(target / DATASETS)
    # Attachments last: files are only ever added, so every file the copied database names is already there.
    attachments = 0
    if attachments_dir().is_dir():
        shutil.copytree(attachments_dir(), target / FILES)
        attachments = sum(1 for p in (target / FILES).rglob("*") if p.is_file())
    for path in target.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)  # personal data: readable by the owner only
    return write_manifest(target, created_at=created_at, database=database, datasets=datasets,
                          attachments=attachments, anchor=(target / ANCHOR).exists(),
                          keys_from_environment={name: bool(os.environ.get(name))
                                                 for name in ("QINGSHAN_FIELD_KEYS", "QINGSHAN_AUDIT_KEY")})
