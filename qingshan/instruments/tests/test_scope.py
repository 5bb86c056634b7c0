"""Who sees which instrument, its files and its internal notes, on the pages and through the API."""
import pytest
from django.urls import reverse

from qingshan.instruments import services
from qingshan.instruments.choices import State
from qingshan.instruments.selectors import instrument_list
from qingshan.instruments.testing.flows import drive_to

SECRET = "内部：回复避重就轻，建议约谈"

# role -> (sees the draft, sees the issued one, sees internal notes)
MATRIX = {
    "officer": (True, True, True),
    "office_head": (True, True, True),
    "leader": (True, True, True),
    "readonly": (True, True, True),
    "group_staff": (False, True, True),  # the group sits in 市生态环境局: sees what is issued to it
    "district_staff": (False, False, False),  # another jurisdiction
    "eco_handler": (False, True, False),  # the recipient
    "eco_head": (False, True, False),
    "water_handler": (False, False, False),  # another unit
    "partner_staff": (False, False, False),
    "outsider": (False, False, False),
}


@pytest.fixture
def instruments(world):
    issued = drive_to(world, State.REPLIED)
    services.instrument_note(actor=world.officer, instrument=issued, text=SECRET)
    return drive_to(world, State.DRAFT), issued


@pytest.mark.parametrize("role", MATRIX)
def test_visibility_by_role(world, instruments, client, role):
    draft, issued = instruments
    sees_draft, sees_issued, sees_notes = MATRIX[role]
    user = getattr(world, role)
    assert set(instrument_list(user=user)) == {i for i, seen in ((draft, sees_draft), (issued, sees_issued)) if seen}
    client.force_login(user)
    page = client.get(reverse("instruments:detail", args=[issued.pk]))
    assert page.status_code == (200 if sees_issued else 404)
    if sees_issued:
        assert (SECRET in page.content.decode()) is sees_notes
    assert client.get(reverse("instruments:detail", args=[draft.pk])).status_code == (200 if sees_draft else 404)
    reply_file = issued.files.get()
    assert client.get(reverse("instruments:file", args=[reply_file.pk])).status_code == (200 if sees_issued else 404)
    api = client.get(f"/api/instruments/{issued.pk}/")
    assert api.status_code == (200 if sees_issued else 404)
    if sees_issued:
        assert SECRET not in api.content.decode()


def test_the_unit_sees_only_what_is_issued_to_it_in_its_worklist(world, client):
    issued = drive_to(world, State.ISSUED)
    drive_to(world, State.DRAFT)
    client.force_login(world.eco_handler)
    page = client.get(reverse("inbox") + "?section=org&queue=instruments_to_reply")
    assert issued.number in page.content.decode()
    client.force_login(world.water_handler)
    assert issued.number not in client.get(reverse("inbox")).content.decode()


def test_the_register_figures_link_to_their_lists(world, client):
    drive_to(world, State.CLOSED)
    drive_to(world, State.ISSUED)
    client.force_login(world.officer)
    page = client.get(reverse("instruments:list")).content.decode()
    assert 'href="/instruments/?kpi=rectified"' in page
    listed = client.get(reverse("instruments:list") + "?kpi=rectified").context["page"]
    assert [i.state for i in listed] == [State.CLOSED]
    assert len(client.get(reverse("instruments:list") + "?kpi=issued").context["page"]) == 2


def test_the_ledger_exports_the_register(world, client):
    drive_to(world, State.ISSUED)
    client.force_login(world.officer)
    page = client.get(reverse("ledgers:ledger", args=["instruments"]))
    assert page.status_code == 200 and "青纪建〔2026〕1号" in page.content.decode()


@pytest.mark.parametrize("role", ["officer", "eco_handler"])
def test_list_and_detail_query_counts_do_not_grow_with_items(world, client, role, assert_query_baseline):
    for _ in range(2):
        drive_to(world, State.ACCEPTED)
    client.force_login(getattr(world, role))
    last = drive_to(world, State.ACCEPTED)
    with assert_query_baseline(f"list page ({role})"):
        assert client.get(reverse("instruments:list")).status_code == 200
    with assert_query_baseline(f"detail page ({role})"):
        assert client.get(reverse("instruments:detail", args=[last.pk])).status_code == 200
    for _ in range(4):
        drive_to(world, State.ACCEPTED)
    with assert_query_baseline(f"list page ({role})"):
        assert client.get(reverse("instruments:list")).status_code == 200
