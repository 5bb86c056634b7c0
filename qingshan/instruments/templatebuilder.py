"""The built-in Word templates of the instrument types, laid out per GB/T 9704-2012 (党政机关公文格式) with python-docx
and filled later by docxtpl. `manage.py build_instrument_templates` writes them to doc_templates/, so they are
reproducible from this file; an administrator may replace any of them in the admin without code.

What the standard fixes and the templates follow: A4; top margin 37 mm, left 28 mm (type area 156 × 225 mm, so
bottom 35 mm and right 26 mm); 22 lines of 28 characters; 发文机关标志 centred in red 小标宋; the 发文字号 with
〔〕; a red separator (a red double line, thick over thin, for letters); the title in 2号 小标宋 centred; 主送 flush
left ending in a full-width colon; the body in 3号 仿宋_GB2312 indented two characters; signature and 成文日期 at the
right; 版记 (抄送, 印发) between lines; page numbers in 4号 宋体 "— 1 —", odd pages right, even pages left.
Fonts are named, not embedded: the reader's Word substitutes what it has.
"""
import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .choices import DOCUMENT, LAYOUTS, LETTER, Kind

DIRECTORY = Path(__file__).resolve().parent / "doc_templates"

# (East Asian name, Latin name) of each font the standard names.
XIAOBIAOSONG = ("方正小标宋简体", "FZXiaoBiaoSong-B05S")
FANGSONG = ("仿宋_GB2312", "FangSong_GB2312")
HEITI = ("黑体", "SimHei")
SONGTI = ("宋体", "SimSun")
SIZE_2, SIZE_3, SIZE_4 = Pt(22), Pt(16), Pt(14)  # 2号, 3号, 4号
RED = RGBColor(0xFF, 0x00, 0x00)
LINE = Pt(28.95)  # 22 lines in the 225 mm type area

# The closing sentence of each type: what the recipient must do, with the deadlines filled in at generation.
CLOSINGS = {
    Kind.SUGGESTION: "请认真研究落实，并于{{ reply_deadline }}前将采纳和整改情况书面回复{{ issuer_short }}。",
    Kind.SUPERVISION_SUGGESTION: "请于{{ reply_deadline }}前将采纳和整改情况书面回复{{ issuer_short }}。",
    Kind.RECTIFY_LETTER: "请于{{ reply_deadline }}前书面报送整改方案，{{ rectify_deadline }}前整改到位并报送整改情况。",
    Kind.SUPERVISE_LETTER: "现予{{ level }}督办。请于{{ reply_deadline }}前书面报告办理情况。",
    Kind.SUPERVISE_SHEET: "请于{{ reply_deadline }}前书面报告办理情况。",
    Kind.URGE_NOTICE: "请抓紧办理，于{{ reply_deadline }}前书面回复办理情况，逾期将提级督办。",
    Kind.REMINDER_LETTER: "请高度重视，于{{ reply_deadline }}前书面回复落实情况。",
    Kind.GUIDANCE_LETTER: "请结合实际抓好落实，于{{ reply_deadline }}前书面回复落实情况。",
    Kind.WORK_TIP: "请于{{ reply_deadline }}前书面回复落实情况。",
}


def _font(run, font: tuple[str, str], size, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = font[1]
    run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font[0])
    fonts.set(qn("w:ascii"), font[1])
    fonts.set(qn("w:hAnsi"), font[1])


def _paragraph(doc, text: str = "", *, font=FANGSONG, size=SIZE_3, align=None, indent: bool = False,
               bold: bool = False, colour=None, exact: bool = True):
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 3号
    if text:
        _font(paragraph.add_run(text), font, size, bold=bold, colour=colour)
    return paragraph


def _border(paragraph, *, double: bool) -> None:
    """A red line under the paragraph: the 版头's separator (a thick-over-thin double line for letters)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "thickThinSmallGap" if double else "single")
    bottom.set(qn("w:sz"), "24" if double else "12")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "FF0000")
    borders.append(bottom)
    ppr.append(borders)


def _black_line(paragraph, edge: str = "bottom") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), "8")
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), "000000")
    borders.append(line)
    ppr.append(borders)


def _page_number(footer, align) -> None:
    """"— n —" in 4号 宋体, with a PAGE field."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    _font(paragraph.add_run("— "), SONGTI, SIZE_4)
    run = paragraph.add_run()
    _font(run, SONGTI, SIZE_4)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    _font(paragraph.add_run(" —"), SONGTI, SIZE_4)


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(28)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)  # odd pages
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FANGSONG[1], SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG[0])


def _masthead(doc, layout: str) -> None:
    """版头: level (督办等级) at the top left, the issuer's mark in red, the number, the red separator."""
    _paragraph(doc, "{% if level %}{{ level }}督办{% endif %}", font=HEITI, size=SIZE_3)
    mark = "{{ issuer_name }}" if layout == LETTER else "{{ issuer_name }}{{ kind_label }}"
    _paragraph(doc, mark, font=XIAOBIAOSONG, size=Pt(36) if layout == LETTER else Pt(30),
               align=WD_ALIGN_PARAGRAPH.CENTER, colour=RED, exact=False)
    _paragraph(doc)
    number = _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT if layout == LETTER
                        else WD_ALIGN_PARAGRAPH.CENTER)
    _border(number, double=layout == LETTER)
    _paragraph(doc)


def _body(doc, kind: str) -> None:
    _paragraph(doc, "{{ title }}", font=XIAOBIAOSONG, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    _paragraph(doc)
    _paragraph(doc, "{{ recipient }}：")
    _paragraph(doc, "{%p for text in paragraphs %}")
    _paragraph(doc, "{{ text }}", indent=True)
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p if problems %}")
    _paragraph(doc, "所涉问题：", font=HEITI, indent=True)
    _paragraph(doc, "{%p for p in problems %}")
    _paragraph(doc, "{{ loop.index }}. {{ p }}", indent=True)
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, CLOSINGS[kind], indent=True)


def _sheet(doc, kind: str) -> None:
    """督办单 / 工作提示单: the facts as a form, the body below."""
    _paragraph(doc, "{{ title }}", font=XIAOBIAOSONG, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    _paragraph(doc)
    table = doc.add_table(rows=6, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [("主送单位", "{{ recipient }}"), ("发文字号", "{{ number }}"),
            ("督办等级", "{% if level %}{{ level }}{% else %}—{% endif %}"), ("回复期限", "{{ reply_deadline }}"),
            ("整改期限", "{{ rectify_deadline }}"),
            ("所涉问题", "{% for p in problems %}{{ p }}{% if not loop.last %}；{% endif %}{% else %}—{% endfor %}")]
    for row, (label, value) in zip(table.rows, rows, strict=True):
        _font(row.cells[0].paragraphs[0].add_run(label), HEITI, SIZE_4)
        _font(row.cells[1].paragraphs[0].add_run(value), FANGSONG, SIZE_4)
    _paragraph(doc)
    _paragraph(doc, "{%p for text in paragraphs %}")
    _paragraph(doc, "{{ text }}", indent=True)
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, CLOSINGS[kind], indent=True)


def _signature(doc) -> None:
    _paragraph(doc)
    _paragraph(doc)
    _paragraph(doc, "{{ issuer_name }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc)


def _colophon(doc) -> None:
    """版记: 抄送 and 印发 between black lines."""
    cc = _paragraph(doc, "{% if cc %}抄送：{{ cc }}。{% endif %}", size=SIZE_4)
    _black_line(cc, "top")
    printed = _paragraph(doc, "{{ issuer_name }}　　　　　　　　　{{ date }}印发", size=SIZE_4)
    _black_line(printed, "bottom")


def build(kind: str) -> bytes:
    """The built-in template of `kind`, as the bytes of a .docx file."""
    doc = Document()
    _page_setup(doc)
    layout = LAYOUTS[Kind(kind)]
    _masthead(doc, layout)
    if layout in (DOCUMENT, LETTER):
        _body(doc, kind)
    else:
        _sheet(doc, kind)
    _signature(doc)
    _colophon(doc)
    doc.core_properties.title = Kind(kind).label
    doc.core_properties.author = "青山"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_all(directory: Path = DIRECTORY) -> list[Path]:
    """Write every type's built-in template into `directory`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in Kind.values:
        path = directory / f"{kind}.docx"
        path.write_bytes(build(kind))
        written.append(path)
    return written
