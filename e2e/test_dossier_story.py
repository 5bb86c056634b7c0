"""一项目一档案 in a real browser: the reports' evidence files (佐证) appear in the project's file in time order, and
a click downloads the file through the access-checked link."""
import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_project_dossier_lists_the_reports_evidence_files_and_downloads_them(world, login, live_server):
    from qingshan.core.testing.uploads import PNG, pdf, png
    from qingshan.problems.models import Source
    from qingshan.supervision import services
    from qingshan.supervision.choices import ActivityKind

    w = world
    Source.objects.create(code="report", name="监督报告")
    plan = services.plan_create(actor=w.officer, commission=w.commission, year=2026, title="2026年度生态环境监督计划",
                                themes=["长江大保护"])
    project = services.project_create(
        actor=w.officer, plan=plan, name="江岸区污水处理厂扩建", responsible_unit=w.jiangan_urban, region=w.jiangan,
        planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31))
    item = services.item_create(actor=w.officer, plan=plan, title="污水厂扩建监督", content="进度", office=w.office,
                                period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28), project=project)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    slot = item.slots.get(org=w.group, period_start=dt.date(2026, 1, 1))
    activity = [{"kind": ActivityKind.SITE_VISIT, "happened_on": dt.date(2026, 1, 20), "note": "实地查看"}]
    first = services.report_submit(actor=w.group_staff, slot=slot, summary="第一次报送", activities=activity,
                                   files=[pdf("现场检查记录.pdf")])
    services.report_review(actor=w.officer, report=first, approve=False, comment="请补充现场照片")
    services.report_submit(actor=w.group_staff, slot=slot, summary="补充照片", activities=activity,
                           files=[png("排污口现场.png")])

    page = login("leader")
    page.goto(f"{live_server.url}/supervision/projects/{project.pk}/")
    timeline = page.locator("#dossier li")
    expect(timeline.filter(has_text="佐证")).to_have_count(2)
    expect(timeline.filter(has_text="佐证").first).to_contain_text("现场检查记录.pdf")
    expect(timeline.filter(has_text="佐证").last).to_contain_text("排污口现场.png")
    files = page.locator("#dossier-report-files tbody tr")
    expect(files).to_have_count(2)
    expect(files.first).to_contain_text("第1版")
    expect(files.last).to_contain_text("[照片] 排污口现场.png")
    with page.expect_download() as info:
        files.last.locator("a").click()
    assert info.value.suggested_filename == "排污口现场.png"
    assert open(info.value.path(), "rb").read() == PNG
