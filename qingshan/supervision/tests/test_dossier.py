"""一项目一档案: the project's own records only (planted unrelated rows stay out), each once, in time order."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.urls import reverse

from qingshan.supervision import services
from qingshan.supervision.choices import Stage

from .conftest import submit

TZ = ZoneInfo("Asia/Shanghai")


def _at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def dossier_page(client, sw, time_machine):
    """A 江岸区 project of 江岸区城管局 whose item the city group and 绿水区's commission both report on, with
    rows that are not the project's: another district's problems, another unit's rectification, the report of a
    commission whose jurisdiction does not hold the project, and an item not linked to it."""
    w = sw
    time_machine.move_to(_at(1, 5), tick=False)
    project = services.project_create(
        actor=w.officer, plan=w.plan, name="江岸区雨污分流改造工程", responsible_unit=w.jiangan_urban,
        region=w.jiangan, planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31))
    item = services.item_create(actor=w.officer, plan=w.plan, title="雨污分流工程监督", content="进度与资金",
                                office=w.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28),
                                project=project)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group, w.lvshui_commission])
    time_machine.move_to(_at(2, 10), tick=False)
    services.project_change_stage(actor=w.officer, project=project, stage=Stage.INITIATION, note="立项批复")
    time_machine.move_to(_at(2, 20), tick=False)
    services.project_change_stage(actor=w.officer, project=project, stage=Stage.APPROVAL, note="环评审批")
    time_machine.move_to(_at(3, 2), tick=False)
    slot = item.slots.get(org=w.group, period_start=dt.date(2026, 1, 1))
    report = submit(w, slot=slot, summary="城市组核查雨污分流工程", findings=[
        {"title": "江岸区工地扬尘未覆盖", "description": "现场未覆盖", "category": w.air_pollution,
         "region": w.jiangan},
        {"title": "绿水区排污口直排", "description": "直排入河", "category": w.water_pollution, "region": w.lvshui},
    ], rectifications=[
        {"title": "工地围挡整改", "measures": "补齐围挡", "responsible_unit": w.jiangan_urban,
         "deadline": dt.date(2026, 4, 30)},
        {"title": "生态环境局台账整改", "measures": "补台账", "responsible_unit": w.eco,
         "deadline": dt.date(2026, 4, 30)},
    ])
    district_slot = item.slots.get(org=w.lvshui_commission, period_start=dt.date(2026, 1, 1))
    submit(w, slot=district_slot, actor=w.district_staff, summary="绿水区监督", findings=[
        {"title": "绿水区河道垃圾", "description": "垃圾堆积", "category": w.water_pollution, "region": w.lvshui}])
    submit(w, summary="另一事项的报送", findings=[
        {"title": "另一事项发现的江岸区问题", "description": "x", "category": w.water_pollution, "region": w.jiangan}])
    time_machine.move_to(_at(3, 3), tick=False)
    services.report_review(actor=w.officer, report=report, approve=True)
    client.force_login(w.leader)
    return client.get(reverse("supervision:project", args=[project.pk])).content.decode()


def _section(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">(.*?)</(ol|table)>', page, re.S).group(1)


def test_the_dossier_holds_only_the_projects_own_records(client, sw, time_machine):
    page = dossier_page(client, sw, time_machine)
    for other in ("绿水区排污口直排", "生态环境局台账整改", "绿水区河道垃圾", "另一事项"):
        assert other not in page
    for own in ("江岸区工地扬尘未覆盖", "工地围挡整改", "驻市生态环境局纪检监察组报送"):
        assert own in page
    assert "绿水区纪委监委" not in _section(page, "dossier-reports")


def test_the_dossier_is_one_chronological_file_without_repeats(client, sw, time_machine):
    entries = re.findall(r"<li>(.*?)</li>", _section(dossier_page(client, sw, time_machine), "dossier"), re.S)
    dates = [re.search(r"\d{4}-\d{2}-\d{2}", e).group(0) for e in entries]
    assert dates == sorted(dates) and len(entries) == len(set(entries))
    kinds = [re.search(r"<strong>(.*?)</strong>", e).group(1) for e in entries]
    # 建档, 立项, 审批, the group's report, its problem and rectification, the review.
    assert kinds == ["阶段", "阶段", "阶段", "报送", "问题", "整改", "审核"], entries


def test_the_stage_form_starts_at_the_projects_current_stage(client, sw, time_machine):
    page = dossier_page(client, sw, time_machine)
    select = re.search(r'<select name="stage".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="approval" selected>审批（当前阶段）</option>', select)
    assert "planning" not in select and "initiation" not in select


def test_the_reports_evidence_files_are_in_the_dossier_in_time_order_and_download_through_the_check(
        client, sw, time_machine):
    from qingshan.core.testing.uploads import PNG, pdf, png

    w = sw
    time_machine.move_to(_at(1, 5), tick=False)
    project = services.project_create(
        actor=w.officer, plan=w.plan, name="江岸区污水处理厂扩建", responsible_unit=w.jiangan_urban,
        region=w.jiangan, planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31))
    item = services.item_create(actor=w.officer, plan=w.plan, title="污水厂扩建监督", content="进度",
                                office=w.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28),
                                project=project)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group, w.lvshui_commission])
    slot = item.slots.get(org=w.group, period_start=dt.date(2026, 1, 1))
    time_machine.move_to(_at(3, 2), tick=False)
    first = submit(w, slot=slot, summary="第一次报送", files=[pdf("现场检查记录.pdf")])
    time_machine.move_to(_at(3, 4), tick=False)
    services.report_review(actor=w.officer, report=first, approve=False, comment="请补充现场照片")
    time_machine.move_to(_at(3, 6), tick=False)
    submit(w, slot=slot, summary="补充照片后重报", files=[png("排污口现场.png")])
    # A commission whose jurisdiction does not hold the project: its report and its file are not the project's.
    other = item.slots.get(org=w.lvshui_commission, period_start=dt.date(2026, 1, 1))
    submit(w, slot=other, actor=w.district_staff, summary="绿水区监督", files=[pdf("绿水区记录.pdf")])

    client.force_login(w.officer)
    page = client.get(reverse("supervision:project", args=[project.pk])).content.decode()
    files = _section(page, "dossier-report-files")
    assert files.index("现场检查记录.pdf") < files.index("[照片] 排污口现场.png")
    assert "第1版" in files and "第2版" in files and "绿水区记录.pdf" not in page
    entries = re.findall(r"<li>(.*?)</li>", _section(page, "dossier"), re.S)
    kinds = [re.search(r"<strong>(.*?)</strong>", e).group(1) for e in entries]
    assert kinds == ["阶段", "报送", "佐证", "审核", "报送", "佐证"], entries
    assert "现场检查记录.pdf" in entries[2] and "排污口现场.png" in entries[5]
    link = re.search(r'href="(/supervision/report-files/\d+/)">\[照片\] 排污口现场.png', files).group(1)
    assert link in entries[5]
    response = client.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    client.force_login(w.eco_handler)  # outside the slot: the same link is refused
    assert client.get(link).status_code == 404
