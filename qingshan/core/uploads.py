"""Checks on uploaded files: allowed type by extension and by content, size limit, not empty; the type a stored
file is served with; and the removal of the files a failed service stored. Every app that keeps files (problem
attachments, report evidence) goes through here, so a file is checked and served the same way everywhere."""
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import default_storage

from qingshan.core.errors import ServiceError

# The first bytes each allowed type must start with (a renamed .exe is refused, not stored as "报告.pdf").
_MAGIC = {
    "pdf": [b"%PDF"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "zip": [b"PK\x03\x04"],
    "ofd": [b"PK\x03\x04"],
    "doc": [b"\xd0\xcf\x11\xe0"],
    "xls": [b"\xd0\xcf\x11\xe0"],
}

# The type a stored file is served with, decided here from its checked extension, never taken from the client
# (a browser sent "text/html" for a .txt would otherwise get it back as a page).
CONTENT_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8", "ofd": "application/ofd", "zip": "application/zip", "mp4": "video/mp4",
}


def content_type_for(name: str) -> str:
    """The content type of a file of this name (its extension was checked on upload); octet-stream if unknown."""
    return CONTENT_TYPES.get(PurePath(name or "").suffix.lower().lstrip("."), "application/octet-stream")


def check_upload(upload) -> None:
    """Raise ServiceError with a clear Chinese message when the file may not be stored."""
    name = upload.name or ""
    ext = PurePath(name).suffix.lower().lstrip(".")
    allowed = settings.ATTACHMENT_ALLOWED_EXTENSIONS
    if ext not in allowed:
        raise ServiceError(f"附件“{name}”的类型不允许上传。允许的类型：{'、'.join(sorted(allowed))}。", field="files")
    if upload.size == 0:
        raise ServiceError(f"附件“{name}”是空文件。", field="files")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ServiceError(f"附件“{name}”超过大小限制（{_human_size(limit)}）。", field="files")
    signatures = _MAGIC.get(ext)
    if signatures:
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in signatures):
            raise ServiceError(f"附件“{name}”的内容与扩展名不符，可能已损坏或被改名。", field="files")


def checked_sha256(upload) -> str:
    """Check the upload (as `check_upload`) and return the SHA-256 of its content, kept to prove it unaltered."""
    check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """All-or-nothing uploads: the storage names a service appends to the list are deleted if it then fails."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _human_size(size: int) -> str:
    """20971520 → "20 MB", 512000 → "500 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} KB"
