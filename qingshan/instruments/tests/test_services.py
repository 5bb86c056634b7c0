"""Numbers, deadlines, replies and refusals of instruments, as the people using them would notice."""
import datetime as dt

import pytest
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.uploads import pdf
from qingshan.instruments import services
from qingshan.instruments.choices import Kind, State
from qingshan.instruments.models import Instrument, NumberPrefix
from qingshan.instruments.testing.flows import a_problem, draft, drive_to
from qingshan.reminders.models import Notification


def test_issuing_gives_numbers_per_type_issuer_and_year_in_the_standard_form(world):
    first = services.instrument_issue(actor=world.officer, instrument=draft(world))
    second = services.instrument_issue(actor=world.officer, instrument=draft(world))
    letter = services.instrument_issue(actor=world.officer, instrument=draft(world, kind=Kind.RECTIFY_LETTER))
    assert (first.number, second.number) == ("青纪建〔2026〕1号", "青纪建〔2026〕2号")
    assert letter.number == "青纪改函〔2026〕1号"  # its own series
    assert first.issued_on == timezone.localdate() and first.issued_by == world.officer


def test_a_configured_prefix_wins(world):
    NumberPrefix.objects.create(kind=Kind.SUGGESTION, issuer=world.commission, prefix="青纪监建")
    assert services.instrument_issue(actor=world.officer, instrument=draft(world)).number == "青纪监建〔2026〕1号"


def test_a_voided_number_stays_voided_and_is_never_reused(world):
    voided = services.instrument_issue(actor=world.officer, instrument=draft(world))
    services.instrument_void(actor=world.officer, instrument=voided, reason="主送单位有误")
    following = services.instrument_issue(actor=world.officer, instrument=draft(world))
    voided.refresh_from_db()
    assert (voided.state, voided.number) == (State.VOIDED, "青纪建〔2026〕1号")
    assert following.number == "青纪建〔2026〕2号"
    # A draft voided before issue never took a number.
    dropped = services.instrument_void(actor=world.officer, instrument=draft(world), reason="不再需要")
    assert dropped.number == "" and services.instrument_issue(
        actor=world.officer, instrument=draft(world)).number == "青纪建〔2026〕3号"


def test_issuing_tells_the_recipient_unit(world, django_capture_on_commit_callbacks):
    instrument = services.instrument_issue(actor=world.officer, instrument=draft(world))
    told = set(Notification.objects.filter(reminder__object_id=instrument.pk, reminder__kind="instruments.issued")
               .values_list("user_id", flat=True))
    assert told == {world.eco_handler.pk, world.eco_head.pk}


def test_a_reply_needs_its_written_file_and_freezes_on_time(world):
    instrument = drive_to(world, State.ISSUED)
    with pytest.raises(ServiceError, match="请上传书面回复文件"):
        services.instrument_reply(actor=world.eco_handler, instrument=instrument, text="已整改", files=[])
    services.instrument_reply(actor=world.eco_handler, instrument=instrument, text="已整改", files=[pdf()])
    instrument.refresh_from_db()
    assert instrument.state == State.REPLIED and instrument.replied_on_time is True
    # Returned and answered again after the deadline: the first reply's "on time" stays.
    services.instrument_review(actor=world.officer, instrument=instrument, accept=False, comment="措施不具体")
    Instrument.objects.filter(pk=instrument.pk).update(reply_deadline=timezone.localdate() - dt.timedelta(days=1))
    instrument.refresh_from_db()
    services.instrument_reply(actor=world.eco_handler, instrument=instrument, text="补充", files=[pdf()])
    instrument.refresh_from_db()
    assert instrument.replied_on_time is True and instrument.return_count == 1


def test_a_renamed_executable_is_refused_and_nothing_changes(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    instrument = drive_to(world, State.ISSUED)
    events = AuditEvent.objects.count()
    fake = SimpleUploadedFile("回复.pdf", b"MZ\x90\x00" + b"\x00" * 40, content_type="application/pdf")
    with pytest.raises(ServiceError):
        services.instrument_reply(actor=world.eco_handler, instrument=instrument, text="已整改", files=[fake])
    instrument.refresh_from_db()
    assert instrument.state == State.ISSUED and instrument.files.count() == 0
    assert AuditEvent.objects.count() == events


def test_returning_a_reply_needs_a_reason_the_unit_sees(world):
    instrument = drive_to(world, State.REPLIED)
    with pytest.raises(ServiceError, match="退回回复须填写审核意见"):
        services.instrument_review(actor=world.officer, instrument=instrument, accept=False, comment=" ")
    services.instrument_review(actor=world.officer, instrument=instrument, accept=False, comment="措施不具体")
    instrument.refresh_from_db()
    assert (instrument.state, instrument.review_comment) == (State.RETURNED, "措施不具体")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"recipient": "lvshui_housing", "actor": "group_staff"}, "recipient",
     "不是驻市生态环境局纪检监察组的派驻监督单位"),
    ({"recipient": "partner"}, "recipient", "主送单位须为责任单位"),
    ({"kind": Kind.SUPERVISE_LETTER}, "level", "须选择督办等级"),
    ({"level": "red"}, "level", "只有督办函、督办单有督办等级"),
    ({"reply_deadline": -1}, "reply_deadline", "回复期限不能早于今天"),
    ({"problem_numbers": "QS-2099-999999"}, "problem_numbers", "未找到问题“QS-2099-999999”"),
])
def test_bad_drafts_are_refused_with_a_clear_message_and_nothing_is_stored(world, change, field, message):
    today = timezone.localdate()
    args = {"actor": world.officer, "kind": Kind.SUGGESTION, "recipient": world.eco, "title": "标题", "body": "正文",
            "reply_deadline": today + dt.timedelta(days=5), "problem_numbers": a_problem(world).number}
    for key, value in change.items():
        if key in ("recipient", "actor"):
            value = getattr(world, value)
        if key == "reply_deadline":
            value = today + dt.timedelta(days=value)
        args[key] = value
    with pytest.raises(ServiceError, match=message) as refused:
        services.instrument_create(**args)
    assert refused.value.field == field
    assert not Instrument.objects.exists()


def test_a_unit_cannot_draft_and_the_district_cannot_address_a_city_unit(world):
    today = timezone.localdate()
    with pytest.raises(PermissionRefused):
        services.instrument_create(actor=world.eco_handler, kind=Kind.SUGGESTION, recipient=world.eco, title="t",
                                   body="b", reply_deadline=today)
    with pytest.raises(ServiceError, match="不在绿水区纪委监委的管辖范围内"):
        services.instrument_create(actor=world.district_staff, kind=Kind.SUGGESTION, recipient=world.eco,
                                   title="t", body="b", reply_deadline=today)


def test_closing_freezes_whether_the_rectification_was_done_on_time(world):
    instrument = drive_to(world, State.ACCEPTED)
    services.instrument_follow_up(actor=world.officer, instrument=instrument, kind="recheck",
                                  happened_on=timezone.localdate(), text="回头看：已整改。",
                                  files=[pdf("照片说明.pdf")])
    services.instrument_close(actor=world.officer, instrument=instrument, rectified=True)
    instrument.refresh_from_db()
    assert (instrument.state, instrument.rectified, instrument.rectified_on_time) == (State.CLOSED, True, True)
    assert instrument.follow_ups.count() == 1 and instrument.files.filter(purpose="follow_up").count() == 1
