"""Small valid uploads and a fixed "now" that tests of every app share."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"

# A fixed "now" for tests that compute deadlines from today: a Monday inside the years chinesecalendar covers, so
# results do not drift with the real date (from mid-December 2026 a 15-working-day limit reaches into 2027, which
# has no holiday table until an administrator enters one). Use with time_machine: `time_machine.move_to(WORLD_NOW)`.
WORLD_NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    """A small valid PNG upload."""
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    """A small upload that starts like a real PDF."""
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
