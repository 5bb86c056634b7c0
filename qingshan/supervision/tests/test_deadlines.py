"""The deadline kinds the reminder engine watches: what is watched, who is reminded, who gets the escalation."""
import datetime as dt

from qingshan.audit.models import AuditEvent
from qingshan.supervision import deadlines, services
from qingshan.supervision.deadlines import DEADLINE_KINDS

from .conftest import submit


def kind(code):
    return next(k for k in DEADLINE_KINDS if k.code == code)


def test_watched_slots_are_those_owing_a_report(sw):
    w = sw
    slots = kind("supervision.report_slot")
    report = submit(w)
    assert w.slot.pk not in set(slots.watched().values_list("pk", flat=True))
    services.report_review(actor=w.officer, report=report, approve=False, comment="补充")
    assert w.slot.pk in set(slots.watched().values_list("pk", flat=True))
    assert w.district_slot.pk in set(slots.watched().values_list("pk", flat=True))


def test_slot_recipients_in_bulk(sw, assert_query_baseline):
    w = sw
    slots = list(kind("supervision.report_slot").watched().filter(period_start=dt.date(2026, 1, 1)))
    with assert_query_baseline("recipients"):
        recipients = deadlines.slot_recipients(slots)
    with assert_query_baseline("escalation recipients"):
        heads = deadlines.slot_escalation_recipients(slots)
    assert recipients[w.slot.pk] == {w.group_staff.pk, w.group_head.pk}
    assert recipients[w.district_slot.pk] == {w.district_staff.pk, w.district_head.pk}
    assert heads == {w.slot.pk: {w.group_head.pk}, w.district_slot.pk: {w.district_head.pk}}
    titles = [kind("supervision.report_slot").title(s) for s in slots]
    assert titles == ["监督事项报送：入河排污口整治监督（2026年1月）"] * 2
    assert kind("supervision.report_slot").url(w.slot) == f"/supervision/slots/{w.slot.pk}/"


def test_slot_escalate_hook_is_the_system(sw):
    w = sw
    kind("supervision.report_slot").escalate(w.slot, 3, "报送期限超期3个工作日，系统提级督办。")
    event = AuditEvent.objects.get(object_type="supervision.slot", action="escalate")
    assert event.actor_id is None and event.payload["item_id"] == w.item.pk


def test_indicators_off_track_are_behind_schedule_and_go_to_the_office_then_the_leader(sw):
    w = sw
    indicators = kind("supervision.indicator")
    services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value=1, read_on=dt.date(2026, 3, 1))
    assert indicators.watched().filter(indicators.behind_schedule()).get() == w.indicator
    assert indicators.recipients([w.indicator]) == {w.indicator.pk: {w.officer.pk, w.office_head.pk}}
    assert indicators.escalation_recipients([w.indicator]) == {w.indicator.pk: {w.leader.pk}}
    services.indicator_add_reading(actor=w.officer, indicator=w.indicator, value=100, read_on=dt.date(2026, 3, 2))
    assert not indicators.watched().exists()


def test_the_reminder_engine_discovers_both_kinds():
    from qingshan.reminders.registry import kind_by_code

    assert {"supervision.report_slot", "supervision.indicator"} <= set(kind_by_code())


def test_escalating_an_item_already_red_changes_nothing_and_says_so(sw):
    """The sweep counts only real escalations (it reported 提级督办45项 when nothing changed)."""
    from qingshan.core.choices import EscalationLevel
    from qingshan.supervision.deadlines import indicator_escalate, slot_escalate

    assert slot_escalate(sw.slot, EscalationLevel.RED, "超期未报送") is True
    sw.slot.refresh_from_db()
    assert slot_escalate(sw.slot, EscalationLevel.RED, "超期未报送") is False
    assert indicator_escalate(sw.indicator, EscalationLevel.RED, "指标滞后") is True
    sw.indicator.refresh_from_db()
    assert indicator_escalate(sw.indicator, EscalationLevel.RED, "指标滞后") is False
