"""The evidence photos attached to replies: four small single-colour PNGs stored once and shared by every reply."""
import hashlib
import zlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

EVIDENCE_NAMES = ["整改后现场照片.png", "整改情况说明.png", "执法检查记录.png", "复查照片.png"]
EVIDENCE_COLOURS = [(46, 125, 50), (21, 101, 192), (249, 168, 37), (96, 125, 139)]


@dataclass
class Evidence:
    """One stored evidence file, as an attachment row refers to it."""

    name: str
    original_name: str
    size: int
    sha256: str


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small, valid, single-colour PNG (the demo's stand-in for evidence photos)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def evidence_files() -> list[Evidence]:
    """The evidence files, saved to the private storage unless already there."""
    evidence = []
    for i, (name, colour) in enumerate(zip(EVIDENCE_NAMES, EVIDENCE_COLOURS, strict=True)):
        content = _png(48, 32, colour)
        path = f"demo/evidence-{i + 1}.png"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(content))
        evidence.append(Evidence(path, name, len(content), hashlib.sha256(content).hexdigest()))
    return evidence
