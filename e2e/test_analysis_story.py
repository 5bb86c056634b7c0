"""一键分析 and the 体检报告 in a real browser: from 一图总览 to the analysis, its Word report built by the worker (read
back as its reader would), a unit's 体检报告 with its radar drawn on a canvas, and a chart saved as a PNG; no request
leaves the app."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "received_from=2026-03-01&received_to=2026-03-31&as_of=2026-04-30"


def test_from_the_overview_to_the_analysis_its_word_report_and_a_unit_portrait(world, worker, login, live_server):
    from qingshan.core.documents import docx_text
    from qingshan.dashboards.tests.planted import planted_world

    planted_world(world)
    page = login("leader")
    page.goto(f"{live_server.url}/dashboards/overview/?{QUERY}")
    expect(page.locator("#overview-months canvas")).to_have_count(1)
    with page.expect_download() as chart:
        page.click("[data-png-for='overview-months']")
    assert chart.value.suggested_filename == "按受理月份趋势.png"
    assert open(chart.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.click("#open-analysis")
    page.wait_for_url("**/dashboards/analysis/?*")
    page.click("#run-analysis")  # 一键分析 with the overview's period
    findings = page.locator("#analysis-findings")
    expect(findings).to_contain_text("市农业农村局按期办结率为30.0%（3/10）")
    expect(findings).to_contain_text("青岭区按期办结率为66.7%（12/18）")
    expect(page.locator(".qs-an-finding")).to_have_count(7)
    expect(page.locator("#analysis-units[data-ready='1'] canvas")).to_have_count(1)

    analysis_url = page.url
    page.click("#request-docx")  # the Word report is built by the background worker
    page.wait_for_url("**/dashboards/reports/*/")
    expect(page.locator("#report-status")).to_have_text("已完成", timeout=60_000)
    with page.expect_download() as download:
        page.click("#report-download")
    assert download.value.suggested_filename.endswith(".docx")
    text = docx_text(open(download.value.path(), "rb").read())
    assert "一键分析报告" in text and "市农业农村局按期办结率为30.0%（3/10）" in text and "数据口径" in text

    page.goto(analysis_url)
    page.locator(".qs-an-finding[data-rule='unit_on_time_closure'] >> text=体检报告").click()
    page.wait_for_url("**/dashboards/units/*/health/?*")
    expect(page.locator("h1")).to_contain_text("市农业农村局履职体检报告")
    expect(page.locator("#health-radar[data-ready='1'] canvas")).to_have_count(1)
    expect(page.locator("#health-dimensions")).to_contain_text("30.0%（3/10）")

    with page.expect_download() as image:
        page.click("[data-png-for='health-radar']")
    assert image.value.suggested_filename == "市农业农村局履职雷达.png"
    assert open(image.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"

    # Printed on A4: no navigation, no filters, no buttons; the radar stays.
    page.emulate_media(media="print")
    expect(page.locator("#analysis-filters")).to_be_hidden()
    expect(page.locator("#print-health")).to_be_hidden()
    expect(page.locator("#health-radar canvas")).to_be_visible()
