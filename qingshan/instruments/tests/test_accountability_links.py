"""Accountability linked to the rectification items and clues behind it, scoped on the way in and on the way out:
an officer links only what they may see, a page shows a link only to someone who may see its target, and a clue is
never revealed to someone blocked from it (not its number, not that one exists)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.audit.models import AuditEvent
from qingshan.clues.choices import State as ClueState
from qingshan.clues.testing.flows import drive_to as clue_to
from qingshan.clues.testing.world import build_clue_world
from qingshan.core.errors import ServiceError
from qingshan.instruments import services
from qingshan.instruments.choices import Form
from qingshan.instruments.models import AccountabilityRecord
from qingshan.instruments.testing.flows import a_problem
from qingshan.rectification import services as rect_services
from qingshan.rectification.testing.flows import add_rect_world, new_item

PERSON = [{"name": "钱某", "post": "副局长", "organisation_name": "市生态环境局", "rank": "division"}]


@pytest.fixture
def w(world):
    add_rect_world(world)
    build_clue_world(world)
    return world


def _record(actor, **links):
    return services.accountability_create(actor=actor, form=Form.ADMONITION, decided_on=timezone.localdate(),
                                          summary="整改不力，问责相关责任人。", persons=PERSON, **links)


def test_a_record_links_items_and_clues_and_each_page_shows_the_other(w, client):
    item = new_item(w)
    clue = clue_to(w, ClueState.HANDLING)
    record = _record(w.officer, rectification_numbers=item.number, clue_numbers=clue.number,
                     problem_numbers=a_problem(w).number)
    assert list(record.rectification_items.all()) == [item] and list(record.clues.all()) == [clue]
    event = AuditEvent.objects.get(object_type="instruments.accountability", object_id=record.pk)
    assert event.payload["rectification_items"] == [item.number] and clue.number not in str(event.payload)

    client.force_login(w.officer)
    page = client.get(reverse("instruments:accountability_detail", args=[record.pk])).content.decode()
    assert item.number in page and clue.number in page and reverse("clues:detail", args=[clue.pk]) in page
    item_page = client.get(reverse("rectification:detail", args=[item.pk])).content.decode()
    assert 'id="accountability"' in item_page and "钱某" in item_page
    problem_page = client.get(reverse("problems:detail", args=[a_problem(w).pk])).content.decode()
    assert reverse("instruments:accountability_detail", args=[record.pk]) in problem_page


def test_a_unit_sees_no_accountability_on_its_item_or_problem(w, client):
    item = new_item(w)
    record = _record(w.officer, rectification_numbers=item.number, problem_numbers=a_problem(w).number)
    client.force_login(w.eco_handler)
    page = client.get(reverse("rectification:detail", args=[item.pk])).content.decode()
    assert item.number in page and 'id="accountability"' not in page
    page = client.get(reverse("problems:detail", args=[a_problem(w).pk])).content.decode()
    assert reverse("instruments:accountability_detail", args=[record.pk]) not in page


def test_a_blocked_officer_cannot_link_the_clue_nor_learn_it_exists(w, client):
    clue = clue_to(w, ClueState.HANDLING)  # about 市生态环境局, where insider_in_unit also works
    with pytest.raises(ServiceError) as refused:
        _record(w.insider_in_unit, clue_numbers=clue.number)
    unknown = "XS-1999-9999"
    with pytest.raises(ServiceError) as missing:
        _record(w.insider_in_unit, clue_numbers=unknown)
    # The same words for a hidden clue as for one that does not exist.
    assert refused.value.message.replace(clue.number, unknown) == missing.value.message
    assert not AccountabilityRecord.objects.exists()

    record = _record(w.officer, clue_numbers=clue.number)
    client.force_login(w.insider_in_unit)  # sees the record (commission leader) but not the clue behind it
    page = client.get(reverse("instruments:accountability_detail", args=[record.pk]))
    assert page.status_code == 200 and "钱某" in page.content.decode()
    assert clue.number not in page.content.decode() and "线索 <a" not in page.content.decode()
    client.force_login(w.insider_clear)
    assert clue.number in client.get(reverse("instruments:accountability_detail", args=[record.pk])).content.decode()


def test_an_item_outside_the_officers_scope_is_refused_and_nothing_is_stored(w):
    item = rect_services.item_create(actor=w.officer, campaign=w.campaign, title="江岸区黑臭水体返黑",
                                     feedback="返黑。", region=w.jiangan, lead_unit=w.jiangan_urban,
                                     supervising_org=w.office, deadline=new_item(w).deadline)
    # 绿水区纪委监委 sees its own district's items only.
    with pytest.raises(ServiceError, match="未找到整改事项"):
        _record(w.district_staff, rectification_numbers=item.number)
    assert not AccountabilityRecord.objects.exists()
