"""A draft instrument is edited before issue (recipient, problems, deadlines, text), checked as at drafting and
audited with what changed; once issued it is on record and the edit is refused with nothing changed."""
import datetime as dt

import pytest
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.instruments import services
from qingshan.instruments.choices import Action, State
from qingshan.instruments.models import Instrument
from qingshan.instruments.testing.flows import a_problem, drive_to


def _edit(w, instrument, actor=None, **change):
    fields = {"recipient": instrument.recipient, "title": instrument.title, "body": instrument.body,
              "reply_deadline": instrument.reply_deadline, "rectify_deadline": instrument.rectify_deadline,
              "level": instrument.level, "cc": instrument.cc, "problem_numbers": a_problem(w).number, **change}
    return services.instrument_edit(actor=actor or w.officer, instrument=instrument, **fields)


def test_a_draft_is_edited_and_the_change_is_audited(world):
    instrument = drive_to(world, State.DRAFT)
    later = instrument.reply_deadline + dt.timedelta(days=5)
    edited = _edit(world, instrument, recipient=world.water, reply_deadline=later, rectify_deadline=None,
                   body="修改后的正文。", problem_numbers="")
    fresh = Instrument.objects.get(pk=instrument.pk)
    assert (fresh.recipient, fresh.reply_deadline, fresh.body, fresh.state) == (world.water, later, "修改后的正文。",
                                                                               State.DRAFT)
    assert not fresh.problems.exists() and edited.number == ""
    event = AuditEvent.objects.get(object_id=instrument.pk, object_type="instruments.instrument", action=Action.EDIT)
    changed = event.payload["changed"]
    assert changed["recipient"] == ["市生态环境局", "市水务局"]
    assert changed["problems"] == [[a_problem(world).number], []]
    assert set(changed) == {"recipient", "reply_deadline", "rectify_deadline", "body", "problems"}
    assert "修改后的正文" not in str(event.payload)  # the text is kept in the instrument, not copied to the log


@pytest.mark.parametrize(("change", "message"), [
    ({}, "没有修改任何内容"),
    ({"reply_deadline": dt.date(2020, 1, 1)}, "回复期限不能早于今天"),
    ({"title": "  "}, "请填写标题"),
    ({"problem_numbers": "QS-2026-999999"}, "未找到问题"),
    ({"level": "red"}, "只有督办函、督办单有督办等级"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(world, change, message):
    instrument = drive_to(world, State.DRAFT)
    before = Instrument.objects.filter(pk=instrument.pk).values().get()
    with pytest.raises(ServiceError, match=message):
        _edit(world, instrument, **change)
    assert Instrument.objects.filter(pk=instrument.pk).values().get() == before
    assert not AuditEvent.objects.filter(object_id=instrument.pk, action=Action.EDIT).exists()


def test_an_issued_instrument_cannot_be_edited_nor_a_draft_by_its_recipient(world):
    issued = drive_to(world, State.ISSUED)
    with pytest.raises(ServiceError, match="文书已签发，不能再修改"):
        _edit(world, issued, title="改标题")
    assert Instrument.objects.get(pk=issued.pk).title == issued.title
    draft = drive_to(world, State.DRAFT)
    with pytest.raises(PermissionRefused):
        _edit(world, draft, actor=world.district_staff, title="改标题")


def test_the_edit_page_starts_from_the_draft_and_saves_it(world, client):
    instrument = drive_to(world, State.DRAFT)
    client.force_login(world.officer)
    detail = client.get(reverse("instruments:detail", args=[instrument.pk])).content.decode()
    assert "data-action=\"edit\"" in detail
    url = reverse("instruments:action", args=[instrument.pk, "edit"])
    form = client.get(url).content.decode()
    assert instrument.title in form and a_problem(world).number in form
    response = client.post(url, {"recipient": world.eco.pk, "title": "修改后的标题", "body": instrument.body,
                                 "reply_deadline": instrument.reply_deadline.isoformat(), "level": "",
                                 "problem_numbers": a_problem(world).number, "cc": ""})
    assert response.status_code == 302 and Instrument.objects.get(pk=instrument.pk).title == "修改后的标题"
    issued = drive_to(world, State.ISSUED)
    assert "data-action=\"edit\"" not in client.get(reverse("instruments:detail", args=[issued.pk])).content.decode()
