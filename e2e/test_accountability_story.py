"""Issue 12 (accountability and raising rectifications) in a real browser: an officer raises a campaign item from a
supervision finding; records a 诫勉谈话 linked to that item and to a clue in their hands; the record lists both and
the item's page lists the record; an officer blocked from the clue (they work in the reported bureau) opens the same
record and finds no trace of the clue."""
import pytest
import time_machine
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db, settings):
    from qingshan.clues.choices import State as ClueState
    from qingshan.clues.testing.flows import drive_to as clue_to
    from qingshan.clues.testing.world import build_clue_world
    from qingshan.problems.testing.world import WORLD_NOW, build_world
    from qingshan.rectification.testing.flows import add_rect_world, supervision_entry

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(WORLD_NOW, tick=True):
        w = build_clue_world(add_rect_world(build_world()))
        w.entry = supervision_entry(w, title="入河排污口封堵不彻底")
        w.clue = clue_to(w, ClueState.HANDLING)
        yield w


def test_raise_from_a_finding_then_hold_officials_accountable_for_it(world, login, live_server):
    base = live_server.url
    page = login("officer")
    page.goto(f"{base}/rectification/campaigns/{world.campaign.pk}/")
    expect(page.locator("#id_entry-entry")).to_contain_text("入河排污口封堵不彻底（市生态环境局")
    page.select_option("#id_entry-entry", value=str(world.entry.pk))
    page.fill("#id_entry-deadline", "2026-08-31")
    page.click("#raise-entry-form button[type=submit]")
    expect(page.locator("#item-source")).to_contain_text("监督发现：入河排污口封堵不彻底")
    number = page.locator("h1").inner_text().split()[0]

    page.goto(f"{base}/instruments/accountability/new/")
    page.select_option("#id_form", label="诫勉谈话")
    page.fill("#id_decided_on", "2026-03-02")
    page.fill("#id_summary", "排污口封堵不彻底，督察整改敷衍应付。")
    page.fill("#id_persons", "钱某，副局长，市生态环境局，县处级")
    page.fill("#id_rectification_numbers", number)
    page.fill("#id_clue_numbers", world.clue.number)
    page.click("#page-form button[type=submit]")
    links = page.locator("#record-links")
    expect(links).to_contain_text(number)
    expect(links).to_contain_text(world.clue.number)
    record_url = page.url

    links.locator(f"text={number}").click()
    expect(page.locator("#accountability")).to_contain_text("诫勉谈话")
    expect(page.locator("#accountability")).to_contain_text("钱某（副局长）")

    page = login("insider_unit")  # a commission leader too, but working in the reported bureau
    page.goto(record_url)
    expect(page.locator("#record-links")).to_contain_text(number)
    expect(page.locator("#record-links")).not_to_contain_text(world.clue.number)
    expect(page.locator("#record-links a[href^='/clues/']")).to_have_count(0)
