"""协同监督检查: a plan with bodies, teams drawn from several bodies and sites on dates; findings recorded on site with
photos become problems through the problems service (source and link both ways); who may do what and who sees it;
a refusal changes nothing."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qingshan.access.collaboration import visible_inspections
from qingshan.access.problems import visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.collaboration import inspections as services
from qingshan.collaboration.choices import FindingState, InspectionState
from qingshan.collaboration.models import Finding, FindingPhoto, InspectionSite
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.models import Attachment
from qingshan.problems.testing.world import PNG, WORLD_NOW, png


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return world


def planned(w):
    inspection = services.inspection_create(
        actor=w.officer, title="青山河流域入河排污口协同监督检查", starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 6), participants=[w.eco, w.partner], scope="排口设置、在线监测、整改落实")
    team = services.inspection_add_team(actor=w.officer, inspection=inspection, name="第一检查组", leader=w.officer,
                                        members=[w.eco_handler, w.partner_staff])
    site = services.inspection_add_site(actor=w.officer, inspection=inspection, team=team, name="滨江段3号排口",
                                        region=w.lvshui, visit_on=dt.date(2026, 3, 3), address="滨江路12号",
                                        lng=None, lat=None)
    return inspection, team, site


def started(w):
    inspection, team, site = planned(w)
    services.inspection_start(actor=w.officer, inspection=inspection)
    return inspection, team, site


def test_a_finding_on_site_becomes_a_problem_linked_both_ways(w):
    inspection, team, site = started(w)
    finding = services.finding_record(actor=w.eco_handler, site=site, title="排口夜间排放黑色污水",
                                      description="现场见排口流出黑色污水，有异味。", category=w.water_pollution,
                                      files=[png("排口.png")])
    assert finding.state == FindingState.RECORDED and finding.photos.count() == 1
    problem = services.finding_register(actor=w.officer, finding=finding)
    finding.refresh_from_db()
    assert finding.state == FindingState.REGISTERED and finding.problem == problem
    assert problem.source.name == "协同监督检查" and problem.region == w.lvshui and problem.location == "滨江路12号"
    assert "青山河流域入河排污口协同监督检查" in problem.description and "滨江段3号排口" in problem.description
    assert problem.inspection_finding == finding  # the problem side reaches back to the finding
    client = Client()
    client.force_login(w.officer)
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert reverse("collaboration:inspection", args=[inspection.pk]) in page and "滨江段3号排口现场发现" in page
    attachment = Attachment.objects.get(problem=problem)
    assert attachment.original_name == "排口.png" and attachment.file.read() == PNG
    services.inspection_finish(actor=w.officer, inspection=inspection, summary="检查排口 1 处，发现问题 1 个。")
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.FINISHED
    events = list(AuditEvent.objects.filter(object_type__startswith="collaboration.").values_list("action",
                                                                                                   flat=True))
    assert events == ["create", "team", "site", "start", "record", "register", "finish"]


def test_a_dismissed_finding_needs_a_reason_and_lets_the_inspection_finish(w):
    inspection, team, site = started(w)
    finding = services.finding_record(actor=w.partner_staff, site=site, title="排口标识牌缺失",
                                      description="排口未设置标识牌。", category=w.water_pollution)
    with pytest.raises(ServiceError, match="还有 1 项检查发现未处理"):
        services.inspection_finish(actor=w.officer, inspection=inspection, summary="总结")
    with pytest.raises(ServiceError, match="请填写不予立项的理由"):
        services.finding_dismiss(actor=w.officer, finding=finding, reason=" ")
    services.finding_dismiss(actor=w.officer, finding=finding, reason="已当场整改到位")
    services.inspection_finish(actor=w.officer, inspection=inspection, summary="总结")
    assert not visible_problems(w.officer).exists()


def test_teams_are_people_of_the_bodies_taking_part(w):
    inspection = services.inspection_create(actor=w.officer, title="检查", starts_on=dt.date(2026, 3, 2),
                                            ends_on=dt.date(2026, 3, 6), participants=[w.eco])
    with pytest.raises(ServiceError, match="冯水务 不是牵头单位或参加单位的人员"):
        services.inspection_add_team(actor=w.officer, inspection=inspection, name="一组", leader=w.officer,
                                     members=[w.eco_handler, w.water_handler])
    assert not inspection.teams.exists()


@pytest.mark.parametrize("change, message", [
    ({"visit_on": dt.date(2026, 3, 9)}, "检查日期须在 2026-03-02 至 2026-03-06 之间"),
    ({"name": " "}, "请填写检查点位"),
    ({"lng": 118.1}, "经度和纬度须同时填写"),
])
def test_a_bad_site_is_refused_in_chinese_and_changes_nothing(w, change, message):
    inspection, team, _ = planned(w)
    args = {"name": "二号点位", "region": w.city, "visit_on": dt.date(2026, 3, 4), "lng": None, "lat": None} | change
    with pytest.raises(ServiceError, match=message):
        services.inspection_add_site(actor=w.officer, inspection=inspection, team=team, **args)
    assert InspectionSite.objects.count() == 1


def test_a_bad_plan_is_refused(w):
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期"):
        services.inspection_create(actor=w.officer, title="检查", starts_on=dt.date(2026, 3, 6),
                                   ends_on=dt.date(2026, 3, 2), participants=[w.eco])
    with pytest.raises(PermissionRefused):
        services.inspection_create(actor=w.eco_head, title="检查", starts_on=dt.date(2026, 3, 2),
                                   ends_on=dt.date(2026, 3, 6), participants=[w.eco])
    assert not AuditEvent.objects.filter(object_type="collaboration.inspection").exists()


def test_findings_only_while_under_way_and_only_by_the_sites_team(w):
    inspection, team, site = planned(w)
    with pytest.raises(ServiceError, match="检查开始后、完成前"):
        services.finding_record(actor=w.eco_handler, site=site, title="x", description="y",
                                category=w.water_pollution)
    services.inspection_start(actor=w.officer, inspection=inspection)
    for outsider in (w.water_handler, w.eco_head):  # 钱局长 is of a taking-part body but on no team
        with pytest.raises(PermissionRefused):
            services.finding_record(actor=outsider, site=site, title="x", description="y",
                                    category=w.water_pollution)
    assert not Finding.objects.exists()


def test_a_bad_photo_leaves_no_finding_and_no_file(w):
    _, _, site = started(w)
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00 not a png", content_type="image/png")
    with pytest.raises(ServiceError, match="内容与扩展名不符"):
        services.finding_record(actor=w.eco_handler, site=site, title="x", description="y",
                                category=w.water_pollution, files=[png("好.png"), fake])
    assert not Finding.objects.exists() and not FindingPhoto.objects.exists()


@pytest.mark.parametrize("who", ["eco_handler", "partner_staff", "group_staff", "office_head"])
def test_only_the_leading_bodys_supervisors_register_or_dismiss(w, who):
    _, _, site = started(w)
    finding = services.finding_record(actor=w.eco_handler, site=site, title="x", description="y",
                                      category=w.water_pollution)
    events = AuditEvent.objects.count()
    actor = getattr(w, who)
    if who == "office_head":  # the office's head is a supervisor of the leading body: allowed
        services.finding_dismiss(actor=actor, finding=finding, reason="不属于本次检查范围")
        return
    with pytest.raises(PermissionRefused):
        services.finding_register(actor=actor, finding=finding)
    with pytest.raises(PermissionRefused):
        services.finding_dismiss(actor=actor, finding=finding, reason="r")
    assert AuditEvent.objects.count() == events and Finding.objects.get().state == FindingState.RECORDED
    assert not visible_problems(w.officer).exists()


def test_participants_bodies_see_it_others_do_not(w):
    inspection, _, _ = planned(w)
    seeing = {name for name in ("officer", "eco_head", "eco_handler", "partner_staff", "leader", "water_handler",
                                "district_staff", "housing_handler", "outsider")
              if visible_inspections(getattr(w, name)).filter(pk=inspection.pk).exists()}
    assert seeing == {"officer", "eco_head", "eco_handler", "partner_staff", "leader"}


def test_pages_photo_served_only_to_those_who_see_it(w):
    inspection, _, site = started(w)
    finding = services.finding_record(actor=w.eco_handler, site=site, title="排口夜间排放黑色污水",
                                      description="现场见排口流出黑色污水。", category=w.water_pollution,
                                      files=[png("排口.png")])
    photo = finding.photos.get()
    client = Client()
    client.force_login(w.partner_staff)
    page = client.get(reverse("collaboration:inspection", args=[inspection.pk])).content.decode()
    assert "排口夜间排放黑色污水" in page and "滨江段3号排口" in page
    served = client.get(reverse("collaboration:finding_photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    client.force_login(w.water_handler)
    assert client.get(reverse("collaboration:inspection", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("collaboration:finding_photo", args=[photo.pk])).status_code == 404


def test_the_officer_registers_a_finding_from_the_page(w):
    inspection, _, site = started(w)
    finding = services.finding_record(actor=w.eco_handler, site=site, title="排口夜间排放黑色污水",
                                      description="现场见排口流出黑色污水。", category=w.water_pollution)
    client = Client()
    client.force_login(w.officer)
    response = client.post(reverse("collaboration:finding_action", args=[finding.pk, "register"]), follow=True)
    finding.refresh_from_db()
    assert finding.problem is not None and finding.problem.number in response.content.decode()
    client.force_login(w.eco_handler)  # a team member may not register: told, nothing changes
    other = services.finding_record(actor=w.eco_handler, site=site, title="另一处", description="y",
                                    category=w.water_pollution)
    response = client.post(reverse("collaboration:finding_action", args=[other.pk, "register"]), follow=True)
    assert "只有牵头单位的监督人员可以处理检查发现" in response.content.decode()
    other.refresh_from_db()
    assert other.state == FindingState.RECORDED
