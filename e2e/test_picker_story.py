"""Unit pickers: type part of a name, pick from options grouped by district (Tom Select, vendored)."""
import pytest
from playwright.sync_api import expect

from e2e.conftest import INTRANET_HOST, PASSWORD, intranet_url
from e2e.support import htmx_ready
from qingshan.problems.models import Problem

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_types_to_find_the_lead_and_co_units_of_a_dispatch(world, login, live_server):
    from qingshan.problems.choices import State
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(world, State.RECEIVED)
    page = login("officer")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    expect(page.locator("#problem-state")).to_have_text("已登记")
    htmx_ready(page)
    page.locator('[data-action="dispatch"]').click()
    form = page.locator("#action-panel #action-form")
    expect(form).to_be_visible()

    # 主办单位: the picker opens on a search box; typing narrows the grouped list to the matching unit.
    lead = form.locator("#id_lead_unit + .ts-wrapper")
    lead.click()
    lead.locator("input").fill("查无此单位")
    expect(lead.locator(".ts-dropdown .no-results")).to_have_text("没有匹配的选项")
    lead.locator("input").fill("水务")
    dropdown = lead.locator(".ts-dropdown")
    expect(dropdown.locator(".option")).to_have_count(1)
    expect(dropdown.locator(".optgroup-header")).to_have_text(["市级"])
    dropdown.locator(".option", has_text="市水务局").click()
    expect(lead.locator(".item")).to_have_text("市水务局")

    # 协办单位: several, each found by typing.
    co = form.locator("#id_co_units + .ts-wrapper")
    co.click()
    expect(co.locator(".ts-dropdown")).to_be_visible()
    co.locator("input").press_sequentially("城管")  # key by key, as typed
    expect(co.locator(".ts-dropdown .optgroup-header")).to_have_text(["江岸区"])
    expect(co.locator(".ts-dropdown .option")).to_have_text(["江岸区城管局"])
    co.locator(".ts-dropdown .option", has_text="江岸区城管局").click()
    expect(co.locator(".item")).to_have_text(["江岸区城管局×"])
    co.locator("input").fill("查无此单位")
    expect(co.locator(".ts-dropdown .no-results")).to_have_text("没有匹配的选项")
    page.keyboard.press("Escape")

    form.locator("button[type=submit]").click()
    expect(page.locator("#problem-state")).to_have_text("已交办")
    problem = Problem.objects.get(pk=problem.pk)
    assert problem.lead_unit == world.water
    assert set(problem.assignments.filter(is_active=True, role="co").values_list("unit__name", flat=True)) == {
        "江岸区城管局"}

    # The list's 主办单位 filter is a picker too, and still offers 全部.
    page.goto(f"{live_server.url}/problems/")
    htmx_ready(page)
    unit_filter = page.locator("#id_lead_unit + .ts-wrapper")
    expect(unit_filter.locator(".item")).to_have_text("全部")
    unit_filter.click()
    # Grouped like the dispatch pickers: 全部 and 无主办单位 first, then the city's units, then district by district.
    expect(unit_filter.locator(".ts-dropdown .optgroup-header")).to_have_text(["市级", "绿水区", "江岸区"])
    expect(unit_filter.locator(".ts-dropdown .option").nth(1)).to_have_text("无主办单位")
    unit_filter.locator("input").fill("水务")
    expect(unit_filter.locator(".ts-dropdown .optgroup-header")).to_have_text(["市级"])
    unit_filter.locator(".ts-dropdown .option", has_text="市水务局").click()
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(f"**lead_unit={world.water.pk}**")
    expect(page.get_by_text(problem.number)).to_be_visible()
    expect(page.locator("#id_lead_unit + .ts-wrapper .item")).to_have_text("市水务局")  # kept after the search

    # The problem ledger's 主办单位 filter: the same groups.
    page.goto(f"{live_server.url}/ledgers/problems/")
    ledger_filter = page.locator("#id_unit + .ts-wrapper")
    ledger_filter.click()
    expect(ledger_filter.locator(".ts-dropdown .optgroup-header")).to_have_text(["市级", "绿水区", "江岸区"])
    ledger_filter.locator("input").fill("城管")
    expect(ledger_filter.locator(".ts-dropdown .optgroup-header")).to_have_text(["江岸区"])


def test_the_api_docs_load_nothing_from_another_host(world, page, live_server, settings):
    # On the intranet's host name (not localhost, where some tools behave differently): ReDoc's footer asks for a
    # logo on cdn.redoc.ly; the page fixture fails the test on any request to another host, even one the CSP refuses.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, INTRANET_HOST]
    app = intranet_url(live_server)
    page.goto(f"{app}/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/**")
    page.goto(f"{app}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("青山 API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.goto(f"{app}/api/redoc/")
    # ReDoc parses the whole schema in the browser before it draws anything: seconds on a busy machine.
    expect(page.locator("body")).to_contain_text("青山 API", timeout=60_000)
    # The sidebar's footer is rendered (its logo a moment later): its English advertisement is not shown.
    expect(page.locator('a[href^="https://redocly.com"]')).to_have_count(1)
    expect(page.locator('a[href^="https://redocly.com"]')).to_be_hidden()
    page.wait_for_load_state("networkidle")
