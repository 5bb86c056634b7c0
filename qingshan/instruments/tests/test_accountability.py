"""Accountability (问责): records with persons and organisations, linked to problems and instruments; exposure
batches; 人次 by form as figures linked to their lists; the supervising side's only."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.instruments import services
from qingshan.instruments.choices import Form, State
from qingshan.instruments.models import AccountabilityRecord
from qingshan.instruments.testing.flows import a_problem, drive_to

PERSONS = [{"name": "张某", "post": "副局长", "organisation_name": "市生态环境局", "rank": "division"},
           {"name": "王某", "post": "科长", "organisation_name": "市生态环境局", "rank": "section"}]


def _record(w, form=Form.INTERVIEW, persons=PERSONS, **extra):
    return services.accountability_create(actor=w.officer, form=form, decided_on=timezone.localdate(),
                                          summary="入河排污口整治不力，敷衍整改。", persons=persons, **extra)


def test_a_record_links_persons_organisations_problems_and_instruments(world):
    instrument = drive_to(world, State.ISSUED)
    record = _record(world, organisations=[world.eco], problem_numbers=a_problem(world).number,
                     instrument_numbers=instrument.number, is_joint=True, joint_partners=[world.water])
    assert record.person_count == 2 and [p.name for p in record.persons.all()] == ["张某", "王某"]
    assert list(record.problems.all()) == [a_problem(world)] and list(record.instruments.all()) == [instrument]
    assert list(record.joint_partners.all()) == [world.water]
    assert AuditEvent.objects.filter(object_type="instruments.accountability", object_id=record.pk).count() == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"persons": [], "organisations": []}, "请填写被问责人员或被问责单位"),
    ({"form": Form.ADMONITION, "is_joint": True}, "只有约谈可以联合进行"),
    ({"persons": [{**PERSONS[0], "rank": "boss"}]}, "职级无效"),
    ({"instrument_numbers": "青纪建〔2026〕99号"}, "未找到文书"),
])
def test_bad_records_are_refused_and_nothing_is_stored(world, change, message):
    args = {"form": Form.INTERVIEW, "persons": PERSONS, **change}
    with pytest.raises(ServiceError, match=message):
        _record(world, **args)
    assert not AccountabilityRecord.objects.exists()


def test_units_cannot_record_or_see_accountability(world, client):
    with pytest.raises(PermissionRefused):
        services.accountability_create(actor=world.eco_head, form=Form.INTERVIEW, decided_on=timezone.localdate(),
                                       summary="x", persons=PERSONS)
    record = _record(world)
    client.force_login(world.eco_head)
    assert client.get(reverse("instruments:accountability")).status_code == 403
    assert client.get(reverse("instruments:accountability_detail", args=[record.pk])).status_code == 403
    client.force_login(world.district_staff)  # another jurisdiction
    assert client.get(reverse("instruments:accountability_detail", args=[record.pk])).status_code == 404


def test_figures_count_persons_by_form_and_link_to_their_lists(world, client):
    _record(world)
    _record(world, form=Form.ADMONITION, persons=PERSONS[:1])
    client.force_login(world.officer)
    page = client.get(reverse("instruments:accountability"))
    text = page.content.decode()
    assert "问责 2 起，3 人次" in text and "约谈：1 起 2 人次" in text and "诫勉谈话：1 起 1 人次" in text
    assert 'href="/instruments/accountability/?form=admonition"' in text
    listed = client.get(reverse("instruments:accountability") + "?form=admonition").context["page"]
    assert [r.form for r in listed] == [Form.ADMONITION]


def test_exposure_batches_are_numbered_and_a_record_is_exposed_once(world):
    first, second = _record(world), _record(world)
    batch = services.exposure_batch_create(actor=world.officer, title="典型问题通报",
                                           published_on=timezone.localdate(), records=[first, second])
    assert (batch.sequence, batch.records.count()) == (1, 2)
    first.refresh_from_db()
    with pytest.raises(ServiceError, match="已在其他批次中通报"):
        services.exposure_batch_create(actor=world.officer, title="再通报",
                                       published_on=timezone.localdate() - dt.timedelta(days=1), records=[first])
    assert services.exposure_batch_create(actor=world.officer, title="第二批", published_on=timezone.localdate(),
                                          records=[_record(world)]).sequence == 2


def test_recording_through_the_page(world, client):
    client.force_login(world.officer)
    response = client.post(reverse("instruments:accountability_create"), {
        "form": Form.REMINDER_TALK, "decided_on": timezone.localdate().isoformat(), "summary": "整改迟缓",
        "persons": "李某，科长，市水务局，乡科级\n", "problem_numbers": "", "instrument_numbers": ""})
    assert response.status_code == 302
    bad = client.post(reverse("instruments:accountability_create"), {
        "form": Form.REMINDER_TALK, "decided_on": timezone.localdate().isoformat(), "summary": "整改迟缓",
        "persons": "李某，科长\n"})
    assert "第1行应为“姓名，职务，所在单位，职级”四项" in bad.content.decode()
    assert AccountabilityRecord.objects.count() == 1
