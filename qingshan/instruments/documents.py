"""What goes into an instrument's Word file, and which template it is filled into.

The context is built from the instrument's public fields only (number, recipient, title, body, problems, deadlines):
internal notes and review comments never reach a document. A type's template is the newest active one an
administrator uploaded, else the built-in one (templatebuilder.py).
"""
import datetime as dt
import hashlib
from functools import lru_cache

from qingshan.core.documents import render_docx
from qingshan.core.errors import ServiceError

from .choices import Kind, Level
from .models import DocumentTemplate, Instrument
from .templatebuilder import DIRECTORY


def chinese_date(day: dt.date | None) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704 asks: 2026年12月4日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def short_name(org) -> str:
    """How a letter refers to its issuer in the body ("我委")."""
    return "我委"


@lru_cache(maxsize=32)
def _builtin(kind: str) -> bytes:
    return (DIRECTORY / f"{kind}.docx").read_bytes()


def template_for(kind: str) -> tuple[bytes, str]:
    """(template bytes, their SHA-256) of `kind`: the administrator's newest active upload, else the built-in one."""
    uploaded = DocumentTemplate.objects.filter(kind=kind, is_active=True).order_by("-uploaded_at", "-id").first()
    if uploaded is not None:
        with uploaded.file.open("rb") as handle:
            data = handle.read()
    else:
        data = _builtin(kind)
    return data, hashlib.sha256(data).hexdigest()


def document_context(instrument: Instrument, problems: list | None = None) -> dict:
    """The values a template may use; `problems` as "number title" lines (read from the instrument when None)."""
    if problems is None:
        problems = [f"{p.number} {p.title}" for p in instrument.problems.order_by("number")]
    return {
        "kind_label": Kind(instrument.kind).label,
        "issuer_name": instrument.issuer.name,
        "issuer_short": short_name(instrument.issuer),
        "number": instrument.number,
        "title": instrument.title,
        "recipient": instrument.recipient.name,
        "paragraphs": [line.strip() for line in instrument.body.splitlines() if line.strip()],
        "problems": problems,
        "level": Level(instrument.level).label if instrument.level else "",
        "reply_deadline": chinese_date(instrument.reply_deadline),
        "rectify_deadline": chinese_date(instrument.rectify_deadline) or "—",
        "date": chinese_date(instrument.issued_on),
        "cc": instrument.cc,
    }


# The context an uploaded template must render with before it is accepted (every name a template may use).
SAMPLE_CONTEXT = {
    "kind_label": "纪检监察建议书", "issuer_name": "青山市纪委监委", "issuer_short": "我委",
    "number": "青纪建〔2026〕1号", "title": "关于加强入河排污口监管的纪检监察建议书", "recipient": "市生态环境局",
    "paragraphs": ["我委在监督检查中发现……", "为此，建议如下："], "problems": ["QS-2026-000001 示例问题"],
    "level": "黄色", "reply_deadline": "2026年3月20日", "rectify_deadline": "2026年6月30日",
    "date": "2026年3月2日", "cc": "市人民政府办公室",
}


def validate_template(data: bytes, name: str) -> None:
    """Refuse, in Chinese, a template that is not a .docx rendering with the sample context."""
    if not name.lower().endswith(".docx"):
        raise ServiceError("模板须为 Word 文档（.docx）。", field="file")
    if not data.startswith(b"PK\x03\x04"):
        raise ServiceError("模板文件不是有效的 Word 文档（.docx）。", field="file")
    try:
        render_docx(data, SAMPLE_CONTEXT)
    except Exception as exc:  # noqa: BLE001 -- any failure of a user's template is reported, not raised
        raise ServiceError(f"模板无法用示例数据生成文书：{exc}", field="file") from exc
