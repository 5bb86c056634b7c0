"""Rendering a Word template and reading the file back as its recipient would."""
import io

from docx import Document

from qingshan.core.documents import docx_text, render_docx


def _template(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "主送：{{ recipient }}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_filled_template_reads_back_with_its_values():
    data = render_docx(_template("{{ number }}", "关于{{ title }}的建议书"),
                       {"number": "青纪建〔2026〕3号", "title": "河道整治", "recipient": "市生态环境局"})
    text = docx_text(data)
    assert "青纪建〔2026〕3号" in text
    assert "关于河道整治的建议书" in text
    assert "主送：市生态环境局" in text
    assert "{{" not in text


def test_user_text_cannot_break_the_document():
    data = render_docx(_template("{{ title }}"), {"title": "<w:p>A&B</w:p>", "recipient": "甲"})
    assert "<w:p>A&B</w:p>" in docx_text(data)
