"""一键分析 and 体检报告 as Word files: A4 templates laid out like the commission's reports (GB/T 9704 margins, 仿宋
body, 小标宋 title, 黑体 headings), built with python-docx and filled through core.documents.render_docx.

The templates are built in memory from this file (cached per process), so there is no binary to keep in step.
Every linked figure of a sentence is followed in the report by the query behind it (数据口径), so a reader of the
printed report can find the list each number counts.
"""
import io
from functools import lru_cache

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from qingshan.core.documents import render_docx

from .engine import Analysis, period_text
from .health import Health

FANGSONG = ("仿宋_GB2312", "FangSong_GB2312")
XIAOBIAOSONG = ("方正小标宋简体", "FZXiaoBiaoSong-B05S")
HEITI = ("黑体", "SimHei")
SIZE_3 = Pt(16)  # 3号, the body
PARAM_LABELS = {"kpi": "口径", "received_from": "受理日期起", "received_to": "受理日期止", "as_of": "统计截止日",
                "region": "区划", "lead_unit": "主办单位", "escalation_level": "督办等级"}


def _font(run, font, size, bold=False):
    run.font.name, run.font.size, run.font.bold = font[1], size, bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font[0])


def _para(doc, text, *, font=FANGSONG, size=SIZE_3, align=None, indent=False, bold=False):
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    return doc


def _bytes(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def analysis_template() -> bytes:
    doc = _document()
    _para(doc, "{{ title }}", font=XIAOBIAOSONG, size=Pt(22), align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ subtitle }}", size=Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{%p for section in sections %}")
    _para(doc, "{{ section.heading }}", font=HEITI)
    _para(doc, "{%p for sentence in section.sentences %}")
    _para(doc, "{{ sentence }}", indent=True)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "数据口径", font=HEITI)
    _para(doc, "{%p for line in queries %}")
    _para(doc, "{{ line }}", size=Pt(12))
    _para(doc, "{%p endfor %}")
    _para(doc, "{{ rules_note }}", size=Pt(12))
    return _bytes(doc)


def _query_text(query: dict) -> str:
    params = "；".join(f"{PARAM_LABELS.get(key, key)}={value}" for key, value in query["params"].items())
    return f"{query['label']}：{params}"


def analysis_docx(analysis: Analysis, *, scope_name: str) -> bytes:
    """The analysis as a Word report: numbered sections, numbered sentences, then each figure's query."""
    sections, queries, number = [], [], 0
    numerals = "一二三四五六七八九十"
    for index, (heading, findings) in enumerate(analysis.sections()):
        sentences = []
        for finding in findings:
            number += 1
            sentences.append(f"{len(sentences) + 1}. {finding.text}〔{number}〕")
            queries += [f"〔{number}〕{_query_text(q)}" for q in finding.queries]
        if not sentences:
            sentences = ["按现行规则，本项未发现需要关注的情况。"]
        sections.append({"heading": f"{numerals[index]}、{heading}", "sentences": sentences})
    scope = analysis.scope
    context = {
        "title": "一键分析报告",
        "subtitle": f"{scope_name}　受理日期：{period_text(scope)}　统计截止日：{scope.as_of:%Y年%-m月%-d日}",
        "sections": sections, "queries": queries,
        "rules_note": f"本报告由系统按{len(analysis.rules)}条已启用的分析规则自动生成，规则和阈值由系统管理员维护；"
                      f"上一期为{period_text(analysis.previous)}，去年同期为{period_text(analysis.last_year)}。",
    }
    return render_docx(analysis_template(), context)


@lru_cache(maxsize=1)
def health_template() -> bytes:
    doc = _document()
    _para(doc, "{{ title }}", font=XIAOBIAOSONG, size=Pt(22), align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ subtitle }}", size=Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "一、总体评价", font=HEITI)
    _para(doc, "{%p for sentence in narrative %}")
    _para(doc, "{{ sentence }}", indent=True)
    _para(doc, "{%p endfor %}")
    _para(doc, "二、履职维度", font=HEITI)
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["维度", "本单位", "得分", "可比单位中位数", "计分方法"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for d in dimensions %}"
    for cell, text in zip(table.rows[2].cells, ["{{ d.label }}", "{{ d.value }}", "{{ d.score }}", "{{ d.median }}",
                                                "{{ d.rule }}"], strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    _para(doc, "三、按月趋势（受理数 / 超期数 / 办结数）", font=HEITI)
    _para(doc, "{%p for m in months %}")
    _para(doc, "{{ m }}", indent=True)
    _para(doc, "{%p endfor %}")
    _para(doc, "四、红色督办与红牌预警事项", font=HEITI)
    _para(doc, "{%p for line in red %}")
    _para(doc, "{{ line }}", indent=True)
    _para(doc, "{%p endfor %}")
    return _bytes(doc)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def health_docx(health: Health) -> bytes:
    scope = health.scope
    red = [f"红色督办未办结问题 {health.red_problem_count} 件"] + [r.text for r in health.red_problems]
    red += [f"红牌预警整改事项 {health.red_item_count} 项"] + [r.text for r in health.red_items]
    context = {
        "title": f"{health.unit.name}履职体检报告",
        "subtitle": f"受理日期：{period_text(scope)}　统计截止日：{scope.as_of:%Y年%-m月%-d日}",
        "narrative": health.narrative,
        "dimensions": [{"label": d.label, "value": d.value_text, "score": _score(d.score), "rule": d.rule,
                        "median": _score(d.peer_median) if d.peer_median is not None
                        else f"—（可比单位{d.peer_count}个）"} for d in health.dimensions],
        "months": [f"{m['label']}：{m['received']} / {m['overdue']} / {m['closed']}" for m in health.months]
        or ["所选期间没有该单位主办的问题。"],
        "red": red,
    }
    return render_docx(health_template(), context)
