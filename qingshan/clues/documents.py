"""Documents that leave the commission: the 函询 letter to the official and the 下转 letter to a lower commission.

Both are filled from an explicit context built here from the clue's own fields (and the letter's): the reporter
vault is never read, so no reporter identity or original text can reach a recipient, whatever a template says.
"""
from pathlib import Path

from django.utils import timezone

from qingshan.core.documents import render_docx

from .models import Clue, InquiryLetter, QuarterReport

TEMPLATES = Path(__file__).resolve().parent / "documents"


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def letter_context(letter: InquiryLetter) -> dict:
    """Exactly what the 函询 letter says: number, recipient, matters, due date, the commission sending it."""
    clue = letter.clue
    return {
        "number": letter.number, "recipient": f"{clue.reported_name}同志",
        "matters": letter.matters, "reply_due": _date(letter.reply_due), "sent_on": _date(letter.sent_on),
        "sender": clue.commission.name, "handling": str(clue.assigned_org or clue.commission),
    }


def inquiry_letter_docx(letter: InquiryLetter) -> bytes:
    return render_docx(TEMPLATES / "inquiry_letter.docx", letter_context(letter))


def transfer_context(clue: Clue) -> dict:
    """Exactly what the 下转 letter says: the clue's reference, who it concerns, the internal summary, the due date."""
    receiver = clue.down_to or clue.commission
    sender = clue.transferred_from or clue.commission
    return {
        "receiver": receiver.name, "reference": clue.reference, "received_on": _date(clue.received_on),
        "reported_unit": clue.reported_unit.name, "reported_name": clue.reported_name,
        "reported_post": clue.reported_post, "summary": clue.summary, "accept_due": _date(clue.down_accept_due),
        "sender": sender.name, "sent_on": _date(timezone.localdate()),
    }


def transfer_down_docx(clue: Clue) -> bytes:
    return render_docx(TEMPLATES / "transfer_down.docx", transfer_context(clue))


def quarter_context(report: QuarterReport, user) -> dict:
    """Exactly what the report-back to 信访室 says: the office, the quarter, and each clue it closed then that `user`
    (who asked for the document) may see, by 线索编号, disposal, outcome and closing date, with the totals by outcome.
    Read through visible_clues and from the clue's own fields: the vault is never read, and neither the reported
    person nor the summary is written (信访室 opens the clue itself for more)."""
    from qingshan.access.clues import visible_clues

    from . import quarters
    from .choices import Disposal, Outcome

    first, last = quarters.bounds(report.year, report.quarter)
    clues = visible_clues(user).filter(assigned_org_id=report.office_id, closed_on__range=(first, last)).order_by(
        "closed_on", "id").values_list("number", "intake_ref", "disposal", "outcome", "closed_on")
    disposals, outcomes = dict(Disposal.choices), dict(Outcome.choices)
    rows, totals = [], {}
    for number, intake_ref, disposal, outcome, closed_on in clues:
        label = outcomes.get(outcome, "其他")
        totals[label] = totals.get(label, 0) + 1
        rows.append({"reference": number or intake_ref, "disposal": disposals.get(disposal, ""),
                     "outcome": label, "closed_on": _date(closed_on)})
    commission = report.office.parent
    return {
        "receiver": f"{commission.name}信访室" if commission else "信访室", "office": report.office.name,
        "year": report.year, "quarter": report.quarter, "first": _date(first), "last": _date(last),
        "total": len(rows), "totals": "；".join(f"{label}{n}件" for label, n in totals.items()) or "无",
        "rows": rows, "note": report.note, "submitted_on": _date(timezone.localtime(report.submitted_at).date()),
    }


def quarter_report_docx(report: QuarterReport, user) -> bytes:
    return render_docx(TEMPLATES / "quarter_report.docx", quarter_context(report, user))
