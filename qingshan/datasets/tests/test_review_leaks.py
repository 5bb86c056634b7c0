"""Review of leaks: a district commission sees and imports into its own district's data sets, never the city's unless
the city shared one with it; the city's supervising side (offices, stationed groups) sees the city's and its
districts'."""
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from qingshan.core.testing.scope import ScopeMatrix, found, shows
from qingshan.datasets.models import ImportBatch
from qingshan.datasets.services import batch_create, dataset_define
from qingshan.datasets.sharing import dataset_share

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC

EVERY_SET = {"city", "district", "shared"}


def _upload():
    return SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode())


class TestDataSetScope(ScopeMatrix):
    objects = ("city", "district", "shared")
    sees = {"district_staff": {"district", "shared"}, "officer": EVERY_SET, "group_staff": EVERY_SET,
            "readonly": EVERY_SET}
    surfaces = ("list", "page", "batch", "report", "template", "api")

    @pytest.fixture
    def scene(self, world, water):
        own = dataset_define(actor=world.district_staff, spec={**WATER_SPEC, "code": "lvshui_water",
                                                                 "name": "绿水区断面"})
        shared = dataset_define(actor=world.officer, spec={**WATER_SPEC, "code": "city_shared", "name": "共享断面"})
        dataset_share(actor=world.officer, dataset=shared, org=world.lvshui_commission, reason="专项检查")
        return SimpleNamespace(**vars(world), sets={"city": water, "district": own, "shared": shared}, batches={
            "city": batch_create(actor=world.officer, dataset=water, upload=_upload()),
            "district": batch_create(actor=world.district_staff, dataset=own, upload=_upload()),
            "shared": batch_create(actor=world.officer, dataset=shared, upload=_upload())})

    def see_list(self, client, scene, obj, user):
        return shows(client.get(reverse("datasets:list")), scene.sets[obj].name)

    def see_page(self, client, scene, obj, user):
        return found(client.get(reverse("datasets:detail", args=[scene.sets[obj].code])))

    def see_template(self, client, scene, obj, user):
        return found(client.get(reverse("datasets:template", args=[scene.sets[obj].code])))

    def see_batch(self, client, scene, obj, user):
        return found(client.get(reverse("datasets:batch", args=[scene.batches[obj].pk])))

    def see_report(self, client, scene, obj, user):
        return found(client.get(reverse("datasets:batch_report", args=[scene.batches[obj].pk])))

    def see_api(self, client, scene, obj, user):
        return found(client.get(reverse("datasets:api_batch", args=[scene.batches[obj].pk])))


def test_a_district_commission_cannot_import_into_the_city_data_set(world, water):
    batch_create(actor=world.officer, dataset=water, upload=_upload())
    api = APIClient()
    api.force_authenticate(world.district_staff)
    response = api.post(reverse("datasets:api_import", args=[water.code]), {"file": _upload(), "mode": "replace"},
                        format="multipart")
    assert response.status_code == 404 and ImportBatch.objects.count() == 1


def test_a_district_commission_cannot_redefine_the_city_data_set(world, water):
    from qingshan.core.errors import ServiceError

    with pytest.raises(ServiceError, match="^数据集代码“water_readings”已被使用。$"):
        dataset_define(actor=world.district_staff,
                       spec={**WATER_SPEC, "name": "改名", "columns": WATER_SPEC["columns"][:3]})
    water.refresh_from_db()
    assert (water.name, len(water.columns)) == ("断面水质监测", 8)
