"""manage.py restore: rebuild an instance from a backup, into an empty data directory and an empty database only."""
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from qingshan.audit.anchor import anchor_path
from qingshan.datasets.catalog import duckdb_path

from .manifest import BackupError, check_keys_match, read_verified_manifest
from .snapshot import ANCHOR, DATASETS, FILES, attachments_dir, pg_env, sqlite_copy


def _not_empty() -> list[str]:
    """What already holds data where the backup would go (nothing is ever overwritten)."""
    found = []
    tables = connection.introspection.table_names()
    if tables:
        found.append(f"数据库已有 {len(tables)} 张表")
    if attachments_dir().is_dir() and any(p.is_file() for p in attachments_dir().rglob("*")):
        found.append(f"附件目录 {attachments_dir()} 不为空")
    if duckdb_path().exists():
        found.append(f"数据集文件 {duckdb_path()} 已存在")
    if anchor_path().exists() and anchor_path().stat().st_size:
        found.append(f"审计锚点 {anchor_path()} 已存在")
    return found


def _restore_postgresql(file: Path, method: str) -> None:
    if method == "pg_dump":
        if not shutil.which("pg_restore"):
            raise BackupError("该备份由 pg_dump 生成，恢复需要 pg_restore，但 PATH 中找不到它。")
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                               "--dbname", connection.settings_dict["NAME"], str(file)],
                              env=pg_env(), capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore 失败：{done.stderr.strip()}")
        return
    # A dumpdata file: the schema from the migrations, emptied of the rows they create, then every dumped row.
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    call_command("loaddata", str(file), verbosity=0)


def restore_backup(source: Path) -> dict:
    """Verify the backup in `source`, check the keys and the empty target, then copy everything in place."""
    source = Path(source)
    manifest = read_verified_manifest(source)
    check_keys_match(manifest)
    database = manifest["database"]
    if database["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {database['vendor']} 数据库，当前实例使用 {connection.vendor}，不能直接恢复。")
    occupied = _not_empty()
    if occupied:
        raise BackupError("恢复目标不是空实例：" + "；".join(occupied)
                          + "。恢复只写入空的数据目录和空数据库，不覆盖现有数据。")
    if database["vendor"] == "sqlite":
        connection.close()
        sqlite_copy(source / database["file"], connection.settings_dict["NAME"])
    else:
        _restore_postgresql(source / database["file"], database["method"])
    for name in manifest["datasets"]:
        settings.DATASETS_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / DATASETS / name, settings.DATASETS_DIR / name)
    if (source / FILES).is_dir():
        shutil.copytree(source / FILES, attachments_dir(), dirs_exist_ok=True)
    if manifest["anchor"]:
        anchor_path().parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / ANCHOR, anchor_path())
    return manifest
