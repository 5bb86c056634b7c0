"""Keeping an uploaded file for a background job.

Every import (supervision items, rectification feedback items, hotline exports) takes the upload in the request,
refuses a wrong type, an empty or an oversized file at once with a Chinese message (nothing kept), keeps the file
under JOB_FILES_DIR and queues the job in the caller's transaction. If that transaction fails, the kept file is
deleted, so no file outlives the job row that names it.
"""
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File

from .errors import ServiceError


@dataclass(frozen=True)
class KeptUpload:
    path: Path
    name: str  # the file name as the user sent it, without any folder
    size: int
    sha256: str


def _folder(name: str) -> Path:
    folder = settings.JOB_FILES_DIR / name
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@contextmanager
def kept_for_job(upload: File, *, folder: str, suffixes: tuple[str, ...], max_bytes: int,
                 wrong_type: str) -> Iterator[KeptUpload]:
    """Check and keep `upload` under JOB_FILES_DIR/<folder>; the file is deleted if the `with` body raises.

    `wrong_type` is the Chinese refusal for another file type; `{name}` in it is replaced by the file's name."""
    name = Path(getattr(upload, "name", "") or "").name
    if not name.lower().endswith(suffixes):
        raise ServiceError(wrong_type.format(name=name), field="file")
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise ServiceError("文件为空。", field="file")
    if size > max_bytes:
        raise ServiceError(f"文件超过 {max_bytes // 1024 // 1024} MB 的上限，请拆分后导入。", field="file")
    stored = _folder(folder) / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    try:
        with open(stored, "wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        yield KeptUpload(path=stored, name=name, size=size, sha256=digest.hexdigest())
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
