"""Data sets belong to a commission and are shared deliberately (issue 9 defect 5): a district commission sees,
previews and imports into a city data set only while the city shares it; each share and revocation is audited."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datasets.models import DatasetShare
from qingshan.datasets.services import dataset_define, sync_schema_files
from qingshan.datasets.sharing import dataset_share, dataset_unshare

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC


def events(action):
    return AuditEvent.objects.filter(object_type="datasets.dataset", action=action)


def sees(client, user, dataset) -> dict[str, bool]:
    client.force_login(user)
    return {
        "list": dataset.name in client.get(reverse("datasets:list")).content.decode(),
        "page": client.get(reverse("datasets:detail", args=[dataset.code])).status_code == 200,
        "template": client.get(reverse("datasets:template", args=[dataset.code])).status_code == 200,
    }


def test_catalogue_data_sets_belong_to_the_city_commission_and_districts_do_not_see_them(client, world, tmp_path):
    path = tmp_path / "water.yaml"
    path.write_text("code: cat_water\nname: 目录断面\ncolumns:\n  - {name: section, type: string}\n",
                    encoding="utf-8")
    [dataset] = sync_schema_files([path])
    assert dataset.owner_org == world.commission
    assert sees(client, world.district_staff, dataset) == {"list": False, "page": False, "template": False}
    assert all(sees(client, world.group_staff, dataset).values())


def test_a_data_set_defined_by_an_office_belongs_to_its_commission(world, water):
    assert water.owner_org == world.commission
    own = dataset_define(actor=world.district_staff, spec={**WATER_SPEC, "code": "lv_water", "name": "绿水断面"})
    assert own.owner_org == world.lvshui_commission


def test_the_district_sees_previews_and_imports_a_city_data_set_while_shared(client, world, water):
    assert not any(sees(client, world.district_staff, water).values())
    share = dataset_share(actor=world.officer, dataset=water, org=world.lvshui_commission, reason="绿水区专项检查")
    assert all(sees(client, world.district_staff, water).values())
    upload = SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode())
    response = client.post(reverse("datasets:api_import", args=[water.code]), {"file": upload})
    assert response.status_code == 202
    run_queued_jobs()  # the worker imports it
    assert "青山桥" in client.get(reverse("datasets:detail", args=[water.code])).content.decode()

    dataset_unshare(actor=world.officer, dataset=water, share_id=share.pk)
    assert not any(sees(client, world.district_staff, water).values())
    assert client.get(reverse("datasets:api_batch", args=[response.json()["id"]])).status_code == 404
    [shared] = events("dataset_share")
    [revoked] = events("dataset_unshare")
    assert (shared.actor_id, shared.reason, shared.payload["org"]) == (world.officer.pk, "绿水区专项检查",
                                                                      world.lvshui_commission.pk)
    assert revoked.payload["org"] == world.lvshui_commission.pk and revoked.object_id == water.pk


def test_only_the_owning_commissions_supervisors_manage_sharing(world, water):
    for user in (world.district_staff, world.readonly, world.group_staff, world.eco_handler):
        with pytest.raises(PermissionRefused, match="^只有数据集所属纪委监委的监督人员可以管理共享。$"):
            dataset_share(actor=user, dataset=water, org=world.lvshui_commission, reason="自取")
    assert not DatasetShare.objects.exists() and not events("dataset_share").exists()


@pytest.mark.parametrize(("org", "reason", "message"), [
    ("eco", "看看", "数据集只能共享给纪检监察机关、内设部室或派驻纪检监察组。"),
    ("commission", "看看", "不能共享给数据集的所属机关本身。"),
    ("lvshui_commission", "  ", "请填写共享事由。"),
])
def test_a_share_to_the_wrong_organisation_or_without_reason_is_refused(world, water, org, reason, message):
    with pytest.raises(ServiceError, match=f"^{message}$"):
        dataset_share(actor=world.officer, dataset=water, org=getattr(world, org), reason=reason)
    assert not DatasetShare.objects.exists()


def test_sharing_twice_is_refused(world, water):
    dataset_share(actor=world.officer, dataset=water, org=world.lvshui_commission, reason="专项检查")
    with pytest.raises(ServiceError, match="^数据集已共享给“绿水区纪委监委”。$"):
        dataset_share(actor=world.officer, dataset=water, org=world.lvshui_commission, reason="再次")
    assert events("dataset_share").count() == 1


def test_the_share_form_refuses_bad_input_in_chinese_and_changes_nothing(client, world, water):
    client.force_login(world.officer)
    url = reverse("datasets:share", args=[water.code])
    response = client.post(url, {"org": world.lvshui_commission.pk, "reason": ""})
    assert response.status_code == 400 and "请填写共享事由。" in response.content.decode()
    response = client.post(url, {"org": world.eco.pk, "reason": "看看"})
    assert response.status_code == 400 and "所选单位不存在或不能共享。" in response.content.decode()
    assert not DatasetShare.objects.exists()
    client.force_login(world.district_staff)
    assert client.post(url, {"org": world.lvshui_commission.pk, "reason": "自取"}).status_code == 404
    assert not DatasetShare.objects.exists()
