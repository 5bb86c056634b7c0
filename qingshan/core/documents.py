"""Word documents from templates (clue letters, 建议书, 整改函, 督办函, reports): one way to render and one way to read
back, so every app fills its templates alike and every test inspects the file a recipient would open.

    data = render_docx(template_bytes, {"number": "青纪建〔2026〕3号", "recipient": "市生态环境局", ...})
    assert "青纪建〔2026〕3号" in docx_text(data)

Templates are ordinary .docx files with Jinja tags (docxtpl); autoescaping is on, so text typed by users cannot
break the document's XML.
"""
import io
from pathlib import Path

from docx import Document
from docxtpl import DocxTemplate


def render_docx(template: bytes | Path, context: dict) -> bytes:
    """The template filled with `context`, as the bytes of a .docx file."""
    source = io.BytesIO(template) if isinstance(template, bytes) else str(template)
    document = DocxTemplate(source)
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """Every piece of text a reader of the file sees: paragraphs, tables, headers and footers, one per line."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    for section in document.sections:
        for part in (section.header, section.footer):
            lines.extend(p.text for p in part.paragraphs)
    return "\n".join(lines)
