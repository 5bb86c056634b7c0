"""The pages as people use them: visibility across units and roles, internal comments kept from units, files served
through the access check, the Excel import through the job queue, the KPI figures linked to their lists."""
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from qingshan.access.rectification import visible_items
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.problems.testing.world import png
from qingshan.rectification import excel, services
from qingshan.rectification.choices import ImportStatus, State
from qingshan.rectification.models import ImportJob, Item
from qingshan.rectification.testing.flows import drive_to, new_item, plan

SEE_LVSHUI_ITEM = {"officer", "office_head", "xinfang", "leader", "readonly", "district_staff", "group_staff",
                   "group_head", "eco_handler", "eco_head", "water_handler"}
EVERYONE = SEE_LVSHUI_ITEM | {"housing_handler", "urban_handler", "partner_staff", "outsider"}
SEE_JIANGAN_ITEM = {"officer", "office_head", "xinfang", "leader", "readonly", "urban_handler"}


@pytest.fixture
def two_items(rw):
    lvshui = new_item(rw)
    jiangan = services.item_create(actor=rw.officer, campaign=rw.campaign, title="江岸区河道垃圾", feedback="河道垃圾",
                                   region=rw.jiangan, lead_unit=rw.jiangan_urban, deadline=dt.date(2026, 9, 30))
    return lvshui, jiangan


def test_visibility_across_units_and_roles(rw, two_items, client):
    lvshui, jiangan = two_items
    for role in sorted(EVERYONE):
        user = getattr(rw, role)
        seen = set(visible_items(user).values_list("pk", flat=True))
        assert (lvshui.pk in seen, jiangan.pk in seen) == (role in SEE_LVSHUI_ITEM, role in SEE_JIANGAN_ITEM), role
    client.force_login(rw.housing_handler)
    assert client.get(reverse("rectification:detail", args=[lvshui.pk])).status_code == 404
    client.force_login(rw.eco_handler)
    listing = client.get(reverse("rectification:list")).content.decode()
    assert lvshui.number in listing and jiangan.number not in listing


def test_a_unit_never_sees_internal_review_comments(rw, client):
    item = plan(rw, new_item(rw))
    services.item_review_note(actor=rw.group_staff, item=item, text="该单位整改敷衍，建议约谈")
    services.item_report_progress(actor=rw.eco_handler, item=item, progress="ongoing", text="正在施工")
    client.force_login(rw.eco_head)
    page = client.get(reverse("rectification:detail", args=[item.pk])).content.decode()
    assert "正在施工" in page and "建议约谈" not in page and "内部审核意见" not in page
    client.force_login(rw.group_staff)
    assert "建议约谈" in client.get(reverse("rectification:detail", args=[item.pk])).content.decode()


def test_files_are_served_only_through_the_access_check(rw, client):
    item = plan(rw, new_item(rw))
    post = services.item_diary(actor=rw.group_staff, item=item, happened_on=dt.date(2026, 3, 2), text="现场",
                               files=[png()])
    url = reverse("rectification:download", args=[post.files.get().pk])
    client.force_login(rw.eco_handler)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(rw.urban_handler)
    assert client.get(url).status_code == 404


def test_the_plan_through_the_page_and_a_bad_input_in_chinese(rw, client):
    item = new_item(rw)
    client.force_login(rw.eco_handler)
    url = reverse("rectification:action", args=[item.pk, "plan"])
    assert client.get(url).status_code == 200
    form = {"target": "完成修复", "measures": "施工", "responsible_leader": "钱局长", "responsible_person": "孙经办",
            "horizon": "short", "deadline": "2026-02-01", "granularity": "week"}
    refused = client.post(url, form)
    assert refused.status_code == 400 and "整改期限须晚于今天" in refused.content.decode()
    assert Item.objects.get(pk=item.pk).state == State.PLANNING
    done = client.post(url, {**form, "deadline": "2026-04-30"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.state == State.IN_PROGRESS and item.milestones.count() == 9  # 9 weekly nodes up to 30 April


def test_every_page_of_an_item_renders_for_each_side(rw, client):
    item = drive_to(rw, State.CLOSED)
    for user in (rw.group_staff, rw.eco_handler, rw.leader):
        client.force_login(user)
        for url in (reverse("rectification:campaigns"), reverse("rectification:campaign", args=[rw.campaign.pk]),
                    reverse("rectification:list"), reverse("rectification:detail", args=[item.pk])):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
    client.force_login(rw.group_staff)
    page = client.get(reverse("rectification:detail", args=[item.pk])).content.decode()
    assert "已销号" in page and "赵组长" in page and "回头看" in page


def test_kpis_link_to_their_lists(rw, client):
    drive_to(rw, State.CLOSED)
    plan(rw, new_item(rw))
    client.force_login(rw.officer)
    page = client.get(reverse("rectification:campaign", args=[rw.campaign.pk])).content.decode()
    link = f"{reverse('rectification:list')}?campaign={rw.campaign.pk}&amp;kpi=closed"
    assert link in page
    listing = client.get(link.replace("&amp;", "&")).content.decode()
    assert "已销号" in listing and "ZG-2026-0001" in listing and "ZG-2026-0002" not in listing


# ---------------------------------------------------------------- Excel import


def workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("督察反馈问题.xlsx", buffer.getvalue())


def row(**changes):
    values = {"整改事项": "园区土壤修复滞后", "督察反馈问题": "修复进度滞后", "所在区划": "绿水区",
              "牵头责任单位": "市生态环境局", "配合单位": "市水务局", "整改时限类型": "短期", "整改期限": "2026-12-31"}
    values.update(changes)
    return [values[h] for h in excel.HEADERS]


def test_import_runs_in_the_background_all_rows_or_none(rw, client):
    client.force_login(rw.officer)
    response = client.post(reverse("rectification:import", args=[rw.campaign.pk]),
                           {"file": workbook([excel.HEADERS, row(), row(整改事项="第二项", 配合单位="")])})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("rectification:import_job", args=[job.pk])
    assert not Item.objects.exists()  # nothing is read in the request
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_imported) == (ImportStatus.DONE, 2)
    assert not Path(job.stored_path).exists()
    assert list(Item.objects.order_by("number").values_list("title", "lead_unit__name")) == [
        ("园区土壤修复滞后", "市生态环境局"), ("第二项", "市生态环境局")]
    assert "已导入 2 个整改事项" in client.get(response["Location"]).content.decode()


def test_a_bad_row_fails_the_whole_import_with_row_and_column(rw, client):
    client.force_login(rw.officer)
    client.post(reverse("rectification:import", args=[rw.campaign.pk]),
                {"file": workbook([excel.HEADERS, row(), row(整改期限="年底"), row(牵头责任单位="不存在的局")])})
    run_queued_jobs()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.errors == ["第3行“整改期限”：应为日期（如 2026-12-31），实际为“年底”。"]
    assert not Item.objects.exists()
    client.post(reverse("rectification:import", args=[rw.campaign.pk]),
                {"file": workbook([excel.HEADERS, row(), row(牵头责任单位="不存在的局")])})
    run_queued_jobs()
    assert ImportJob.objects.order_by("-id").first().errors == [
        "第3行：“牵头责任单位”：未找到责任单位“不存在的局”。（未导入任何数据）"]
    assert not Item.objects.exists()


def test_a_unit_cannot_import_and_a_csv_is_refused_at_once(rw, client):
    client.force_login(rw.eco_handler)
    client.post(reverse("rectification:import", args=[rw.campaign.pk]),
                {"file": workbook([excel.HEADERS, row()])})
    assert not ImportJob.objects.exists()
    client.force_login(rw.officer)
    response = client.post(reverse("rectification:import", args=[rw.campaign.pk]),
                           {"file": SimpleUploadedFile("a.csv", b"a,b")}, follow=True)
    assert "仅接受 .xlsx 格式" in response.content.decode() and not ImportJob.objects.exists()


def test_an_officer_raises_an_item_from_a_supervision_finding_on_the_campaign_page(rw, client):
    from qingshan.rectification.testing.flows import supervision_entry

    entry = supervision_entry(rw)
    client.force_login(rw.officer)
    page = client.get(reverse("rectification:campaign", args=[rw.campaign.pk])).content.decode()
    assert 'id="raise-entry-form"' in page and "排污口整治（市生态环境局" in page
    response = client.post(reverse("rectification:raise_entry", args=[rw.campaign.pk]),
                           {"entry-entry": entry.pk, "entry-deadline": "2026-08-31"})
    item = Item.objects.get(supervision_entry=entry)
    assert response.status_code == 302 and response["Location"] == reverse("rectification:detail", args=[item.pk])
    assert (item.title, item.lead_unit, item.deadline) == ("排污口整治", rw.eco, dt.date(2026, 8, 31))
    detail = client.get(response["Location"]).content.decode()
    assert "监督发现：排污口整治" in detail
    # Raised once: the finding leaves the choices, and a second post is refused with nothing added.
    page = client.get(reverse("rectification:campaign", args=[rw.campaign.pk])).content.decode()
    assert "排污口整治（市生态环境局" not in page
    client.post(reverse("rectification:raise_entry", args=[rw.campaign.pk]), {"entry-entry": entry.pk})
    assert Item.objects.filter(supervision_entry=entry).count() == 1


def test_a_finding_the_officer_may_not_see_cannot_be_raised_and_a_unit_cannot_raise(rw, client):
    from qingshan.rectification.testing.flows import supervision_entry

    entry = supervision_entry(rw)
    client.force_login(rw.urban_handler)  # a unit elsewhere: may not raise at all
    response = client.post(reverse("rectification:raise_entry", args=[rw.campaign.pk]), {"entry-entry": entry.pk})
    assert response.status_code in (403, 404)
    with pytest.raises(services.ServiceError, match="无权查看"):
        services.item_raise_from_supervision_entry(actor=rw.district_staff, campaign=rw.campaign, entry=entry)
    assert not Item.objects.filter(supervision_entry=entry).exists()


def test_the_list_links_each_row_to_its_page_and_counts_up_to_its_bound(rw, client, monkeypatch):
    from qingshan.rectification import views

    items = [new_item(rw, title=f"事项{n}") for n in range(3)]
    client.force_login(rw.officer)
    page = client.get(reverse("rectification:list")).content.decode()
    for item in items:
        assert f'href="{reverse("rectification:detail", args=[item.pk])}"' in page
    assert "共 3 条" in page
    monkeypatch.setattr(views, "LIST_COUNT_BOUND", 2)
    assert "共 2+ 条" in client.get(reverse("rectification:list")).content.decode()


def test_an_officer_raises_an_item_from_the_finding_on_its_report_page(rw, client):
    from qingshan.rectification.testing.flows import supervision_entry

    entry = supervision_entry(rw)
    slot_page = reverse("supervision:slot", args=[entry.slot_id])
    action = reverse("rectification:raise_from_finding", args=[entry.pk])
    client.force_login(rw.officer)
    page = client.get(slot_page).content.decode()
    assert f'action="{action}"' in page and f'<option value="{rw.campaign.pk}">{rw.campaign.name}' in page
    response = client.post(action, {"campaign": rw.campaign.pk, "deadline": "2026-08-31"})
    item = Item.objects.get(supervision_entry=entry)
    assert response.status_code == 302 and response["Location"] == reverse("rectification:detail", args=[item.pk])
    assert (item.campaign, item.title, item.lead_unit, item.deadline) == (
        rw.campaign, "排污口整治", rw.eco, dt.date(2026, 8, 31))
    # Raised once: the button is gone from the report page, and a second post adds nothing and says why.
    assert f'action="{action}"' not in client.get(slot_page).content.decode()
    response = client.post(action, {"campaign": rw.campaign.pk}, follow=True)
    assert "该整改清单条目已建立整改事项" in response.content.decode()
    assert Item.objects.filter(supervision_entry=entry).count() == 1


def test_the_report_page_offers_no_raise_to_a_unit_and_refuses_an_unseen_finding(rw, client):
    from qingshan.rectification.testing.flows import supervision_entry

    entry = supervision_entry(rw)
    action = reverse("rectification:raise_from_finding", args=[entry.pk])
    slot_page = reverse("supervision:slot", args=[entry.slot_id])
    client.force_login(rw.group_staff)  # the assignee, on the supervising side: a button once it sees a campaign
    assert f'action="{action}"' not in client.get(slot_page).content.decode()
    new_item(rw)  # an item of the campaign supervised by the group
    assert f'action="{action}"' in client.get(slot_page).content.decode()
    for role in ("eco_handler", "urban_handler", "district_staff"):
        client.force_login(getattr(rw, role))
        response = client.post(action, {"campaign": rw.campaign.pk})
        assert response.status_code in (403, 404), role
    assert not Item.objects.filter(supervision_entry=entry).exists()
