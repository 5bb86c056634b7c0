"""一图总览 in a real browser: the offline map draws on a canvas from the app's own outlines (no request leaves the
app, nothing is blocked by the CSP), and a click on a district opens the problem list behind its figure."""
import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

CENTRES = {"绿水区": (117.22, 30.16), "江岸区": (117.38, 30.25)}


def test_the_map_renders_offline_and_a_district_opens_its_list(world, login, live_server):
    from qingshan.dashboards.cells import voronoi_cells
    from qingshan.dashboards.models import RegionBoundary
    from qingshan.problems.testing.flows import new_problem

    w = world
    for region, cell in zip((w.lvshui, w.jiangan), voronoi_cells(list(CENTRES.values())), strict=True):
        RegionBoundary.objects.create(region=region, geometry=cell)
    new_problem(w, title="江岸区的排口问题", region=w.jiangan)
    new_problem(w, title="江岸区的扬尘问题", region=w.jiangan)
    new_problem(w, title="绿水区的噪声问题", region=w.lvshui)

    page = login("leader")
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/dashboards/overview/?measure=received")
    expect(page.locator("#overview-map[data-ready='1'] canvas")).to_have_count(1)
    expect(page.locator("#overview-sources canvas")).to_have_count(1)
    expect(page.locator("#overview-districts")).to_contain_text("江岸区")

    # Click the middle of 江岸区 as ECharts placed it on the canvas (scrolled into view first: a mouse click outside
    # the viewport reaches nothing, and the page's buttons above the map push it down on a laptop-sized window).
    page.locator("#overview-map").scroll_into_view_if_needed()
    x, y = page.evaluate("""(centre) => {
        const chart = echarts.getInstanceByDom(document.getElementById('overview-map'));
        return chart.convertToPixel({geoIndex: 0}, centre);
    }""", json.loads(json.dumps(CENTRES["江岸区"])))
    box = page.locator("#overview-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**/problems/?*region={w.jiangan.pk}*")
    expect(page.locator("body")).to_contain_text("江岸区的排口问题")
    expect(page.locator("body")).to_contain_text("江岸区的扬尘问题")
    expect(page.locator("body")).not_to_contain_text("绿水区的噪声问题")
    assert blocked == []
