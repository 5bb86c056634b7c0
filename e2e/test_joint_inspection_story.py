"""Issue 14 in a browser: the office plans a 协同监督检查 with the eco bureau and the pollution-control office, forms a
team of their people, sets a site and starts; the bureau's handler records a finding on site with a photo; the
office registers it as a problem, which carries the source 协同监督检查 and the photo, and links back."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def pick(form, field: str, typed: str, option: str):
    picker = form.locator(f"#id_{field} + .ts-wrapper")
    picker.click()
    picker.locator("input").fill(typed)
    picker.get_by_role("option", name=option, exact=True).click()


def test_a_finding_on_site_becomes_a_problem(world, login, live_server, tmp_path):
    from qingshan.problems.testing.world import PNG

    photo = tmp_path / "排口.png"
    photo.write_bytes(PNG)
    page = login("officer")
    page.goto(f"{live_server.url}/collaboration/inspections/")
    page.click("text=制定检查计划")
    form = page.locator("#inspection-form")
    form.locator("#id_title").fill("青山河流域入河排污口协同监督检查")
    form.locator("#id_starts_on").fill("2026-03-02")
    form.locator("#id_ends_on").fill("2026-03-06")
    pick(form, "participants", "生态", "市生态环境局")
    pick(form, "participants", "攻坚", "市污染防治攻坚办")
    page.keyboard.press("Escape")
    form.locator("button[type=submit]").click()
    expect(page.locator("#inspection-state")).to_have_text("待检查")

    page.locator("summary", has_text="组建检查组").click()
    team = page.locator("#team-form")
    team.locator("#id_name").fill("第一检查组")
    team.locator("#id_leader").select_option(label="李监督")
    team.locator("#id_members").select_option(label=["孙经办", "林攻坚"])
    team.locator("button[type=submit]").click()
    expect(page.locator("#teams")).to_contain_text("孙经办")
    page.locator("summary", has_text="安排检查点位").click()
    site = page.locator("#site-form")
    site.locator("#id_team").select_option(label="第一检查组")
    site.locator("#id_name").fill("滨江段3号排口")
    site.locator("#id_region").select_option(label="绿水区")
    site.locator("#id_visit_on").fill("2026-03-03")
    site.locator("#id_address").fill("滨江路12号")
    site.locator("button[type=submit]").click()
    expect(page.locator("#sites")).to_contain_text("滨江段3号排口")
    page.get_by_role("button", name="开始检查").click()
    expect(page.locator("#inspection-state")).to_have_text("检查中")
    url = page.url

    page = login("eco_handler")
    page.goto(url)
    finding = page.locator("#finding-form")
    finding.locator("#id_site").select_option(label="滨江段3号排口")
    finding.locator("#id_title").fill("排口夜间排放黑色污水")
    finding.locator("#id_description").fill("现场见排口流出黑色污水，有异味。")
    finding.locator("#id_category").select_option(label="水污染")
    finding.locator("#id_files").set_input_files(str(photo))
    finding.locator("button[type=submit]").click()
    expect(page.locator("#findings")).to_contain_text("排口.png")
    expect(page.locator("#findings [data-state]").first).to_contain_text("待处理")
    expect(page.get_by_role("button", name="立为问题")).to_have_count(0)  # a team member records, the office decides

    page = login("officer")
    page.goto(url)
    page.get_by_role("button", name="立为问题").click()
    expect(page.locator("#findings [data-state]").first).to_contain_text("已立为问题")
    page.locator("#findings a.finding-problem").click()
    expect(page.locator("body")).to_contain_text("协同监督检查")
    expect(page.locator("body")).to_contain_text("青山河流域入河排污口协同监督检查")
    expect(page.locator("body")).to_contain_text("排口.png")
