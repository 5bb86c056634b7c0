"""The backup's manifest: what was copied, each file's SHA-256, the versions, and fingerprints of the keys.

The keys themselves never enter a backup (whoever holds one must not get the contact details and the power to
re-sign the audit chain with it); their fingerprints let a restore tell that it runs with the wrong keys.
"""
import hashlib
import hmac
import json
import platform
from pathlib import Path

import django
from django.conf import settings

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that must not go on; the message is for the operator, in Chinese."""


def fingerprint(key: str) -> str:
    """A short one-way tag of a key: equal tags mean the same key, and the tag reveals nothing of the key."""
    return hmac.new(key.strip().encode(), b"qingshan backup key fingerprint", hashlib.sha256).hexdigest()[:16]


def key_fingerprints() -> dict:
    """Fingerprints of the configured field keys (newest first) and of the audit key."""
    return {"field_keys": [fingerprint(k) for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()],
            "audit_key": fingerprint(settings.AUDIT_HMAC_KEY)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, **facts) -> dict:
    """Hash every file under `folder` and write the manifest beside them."""
    files = {p.relative_to(folder).as_posix(): {"sha256": sha256_of(p), "size": p.stat().st_size}
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}
    manifest = {"format": FORMAT, "versions": {"django": django.get_version(), "python": platform.python_version()},
                "keys": key_fingerprints(), **facts, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def read_verified_manifest(folder: Path) -> dict:
    """The manifest, once every file it lists is present with its recorded hash (and nothing else was added)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} 不是有效的备份：缺少或无法读取 {MANIFEST}。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（本程序支持格式 {FORMAT}）。")
    listed = manifest.get("files", {})
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST}
    problems = [f"缺少文件 {name}" for name in sorted(set(listed) - present)]
    problems += [f"多出未登记的文件 {name}" for name in sorted(present - set(listed))]
    problems += [f"文件 {name} 的校验值不符（已被改动或损坏）" for name in sorted(set(listed) & present)
                 if sha256_of(folder / name) != listed[name]["sha256"]]
    if problems:
        raise BackupError("备份校验失败，拒绝恢复：" + "；".join(problems) + "。")
    return manifest


def check_keys_match(manifest: dict) -> None:
    """Refuse to restore with keys other than those the backup was taken with."""
    now = key_fingerprints()
    then = manifest["keys"]
    if now["audit_key"] != then["audit_key"]:
        raise BackupError("当前配置的审计密钥（QINGSHAN_AUDIT_KEY）与备份时的不同，恢复后审计链将无法校验。"
                          "请配置备份时使用的密钥后再恢复。")
    missing = [fp for fp in then["field_keys"] if fp not in now["field_keys"]]
    if missing:
        raise BackupError("当前配置的个人信息密钥（QINGSHAN_FIELD_KEYS）缺少备份时使用的密钥"
                          f"（指纹 {', '.join(missing)}），恢复后来电人联系方式将无法解密。请补齐密钥后再恢复。")
