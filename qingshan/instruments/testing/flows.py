"""Instruments in any state for tests, driven through the services as a user would: drafted by 李监督
(第一监督检查室) in the name of 青山市纪委监委, addressed to 市生态环境局, concerning one problem."""
import datetime as dt

from django.utils import timezone

from qingshan.core.testing.uploads import pdf
from qingshan.instruments import services
from qingshan.instruments.choices import Kind, State
from qingshan.instruments.models import Instrument
from qingshan.problems import services as problem_services


def a_problem(w):
    """One registered problem in the city (for instruments to concern)."""
    if not hasattr(w, "instrument_problem"):
        w.instrument_problem = problem_services.problem_create(
            actor=w.officer, title="入河排污口未整治", description="某排污口直排。", source=w.inspection,
            category=w.water_pollution, region=w.city)
    return w.instrument_problem


def draft(w, *, kind: str = Kind.SUGGESTION, recipient=None, days: int = 10, **extra) -> Instrument:
    today = timezone.localdate()
    return services.instrument_create(
        actor=w.officer, kind=kind, recipient=recipient or w.eco, title="关于加强入河排污口监管的纪检监察建议书",
        body="我委在监督检查中发现，你局对入河排污口监管不到位。\n建议如下：一是全面排查；二是限期整治。",
        reply_deadline=today + dt.timedelta(days=days), rectify_deadline=today + dt.timedelta(days=days + 30),
        problem_numbers=a_problem(w).number, **extra)


def drive_to(w, state: str, **kwargs) -> Instrument:
    """A fresh instrument brought to `state` by the people who would do it."""
    instrument = draft(w, **kwargs)
    if state == State.DRAFT:
        return instrument
    if state == State.VOIDED:
        return services.instrument_void(actor=w.officer, instrument=instrument, reason="内容有误")
    services.instrument_issue(actor=w.officer, instrument=instrument)
    if state == State.ISSUED:
        return _fresh(instrument)
    services.instrument_reply(actor=w.eco_handler, instrument=instrument, text="已制定整改方案。",
                              files=[pdf("回复.pdf")])
    if state == State.REPLIED:
        return _fresh(instrument)
    if state == State.RETURNED:
        services.instrument_review(actor=w.officer, instrument=instrument, accept=False, comment="措施不具体")
        return _fresh(instrument)
    services.instrument_review(actor=w.officer, instrument=instrument, accept=True, comment="同意")
    if state == State.ACCEPTED:
        return _fresh(instrument)
    services.instrument_close(actor=w.officer, instrument=instrument, rectified=True)
    return _fresh(instrument)


def _fresh(instrument: Instrument) -> Instrument:
    return Instrument.objects.get(pk=instrument.pk)
