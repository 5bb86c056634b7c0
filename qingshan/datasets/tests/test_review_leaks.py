"""Review of leaks: a district commission sees and imports into its own district's data sets, never the city's; the
city's supervising side (offices, stationed groups) sees the city's and its districts'."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from qingshan.datasets.models import ImportBatch
from qingshan.datasets.services import batch_create, dataset_define

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC


def test_a_district_commission_does_not_see_or_import_into_the_city_data_sets(client, world, water):
    batch = batch_create(actor=world.officer, dataset=water,
                         upload=SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode()))
    client.force_login(world.district_staff)
    assert "断面水质监测" not in client.get(reverse("datasets:list")).content.decode()
    for url in (reverse("datasets:detail", args=[water.code]), reverse("datasets:batch", args=[batch.pk]),
                reverse("datasets:batch_report", args=[batch.pk]), reverse("datasets:template", args=[water.code]),
                reverse("datasets:api_batch", args=[batch.pk])):
        assert client.get(url).status_code == 404, url
    api = APIClient()
    api.force_authenticate(world.district_staff)
    response = api.post(reverse("datasets:api_import", args=[water.code]), {
        "file": SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode()), "mode": "replace"}, format="multipart")
    assert response.status_code == 404 and ImportBatch.objects.count() == 1
    # The city's side keeps seeing it, and a district's own data set is seen by the district and by the city.
    own = dataset_define(actor=world.district_staff, spec={**WATER_SPEC, "code": "lvshui_water", "name": "绿水区断面"})
    page = client.get(reverse("datasets:list")).content.decode()
    assert "绿水区断面" in page and client.get(reverse("datasets:detail", args=[own.code])).status_code == 200
    for user in (world.officer, world.group_staff, world.readonly):
        client.force_login(user)
        assert client.get(reverse("datasets:detail", args=[water.code])).status_code == 200, user.username
        assert client.get(reverse("datasets:detail", args=[own.code])).status_code == 200, user.username


def test_a_district_commission_cannot_redefine_the_city_data_set(world, water):
    import pytest

    from qingshan.core.errors import ServiceError

    with pytest.raises(ServiceError, match="^数据集代码“water_readings”已被使用。$"):
        dataset_define(actor=world.district_staff,
                       spec={**WATER_SPEC, "name": "改名", "columns": WATER_SPEC["columns"][:3]})
    water.refresh_from_db()
    assert (water.name, len(water.columns)) == ("断面水质监测", 8)
