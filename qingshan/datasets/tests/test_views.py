"""The data-set pages and API as each role sees them: who may look, who may import, what the pages show."""
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from qingshan.api.testing import issue_test_token
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datasets.choices import BatchStatus
from qingshan.datasets.models import ImportBatch
from qingshan.datasets.services import batch_create, dataset_define
from qingshan.datasets.storage import writer_lock

from .conftest import GOOD_ROWS, HEADER, WATER_SPEC


def as_user(client, user):
    client.force_login(user)
    return client


def test_officer_imports_through_the_page_and_sees_the_batch(client, world, water):
    as_user(client, world.officer)
    response = client.post(reverse("datasets:import", args=[water.code]), {
        "file": SimpleUploadedFile("水质.csv", (HEADER + GOOD_ROWS).encode("gbk")), "mode": "append"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("datasets:batch", args=[batch.pk])
    # The request only stored the file and queued the job: the page says so until the worker has run it.
    assert "排队中" in client.get(response["Location"]).content.decode() and batch.status == BatchStatus.QUEUED
    assert run_queued_jobs() == 1
    page = client.get(response["Location"]).content.decode()
    assert "导入完成：2 行已追加。" in page and 'aria-valuenow="100"' in page and "编码 GBK" in page
    detail = client.get(reverse("datasets:detail", args=[water.code])).content.decode()
    assert "青山桥" in detail and "绿水闸" in detail and "化学需氧量" in detail


def test_failed_batch_page_lists_errors_and_offers_the_report(client, world, water):
    batch = batch_create(actor=world.officer, dataset=water,
                         upload=SimpleUploadedFile("w.csv", (HEADER + "S01,x,2026-03-01,abc,1,I,1,1\n").encode()))
    run_queued_jobs()
    as_user(client, world.officer)
    page = client.get(reverse("datasets:batch", args=[batch.pk])).content.decode()
    assert "第 2 行“化学需氧量”：“abc”不是数字" in page
    report = client.get(reverse("datasets:batch_report", args=[batch.pk])).content.decode()
    assert report.splitlines()[2] == "第 2 行“化学需氧量”：“abc”不是数字"


def test_progress_partial_is_served_to_htmx_and_stops_polling_when_finished(client, world, water):
    batch = ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="a.csv", sha256="0",
                                       status=BatchStatus.RUNNING, percent=45, rows_total=1000, rows_done=0,
                                       phase="校验数据")
    as_user(client, world.officer)
    url = reverse("datasets:batch", args=[batch.pk])
    with writer_lock():  # the import is running (it holds the writer lock), so the batch is not taken for dead
        running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert running.startswith('<div id="batch-status"') and 'hx-trigger="every 1s"' in running
    assert "qs-pct-45" in running and "校验数据" in running
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, percent=100)
    assert "hx-trigger" not in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_an_empty_form_is_refused_in_chinese(client, world, water):
    response = as_user(client, world.officer).post(reverse("datasets:import", args=[water.code]), {"mode": "append"})
    assert response.status_code == 400 and "请选择要导入的文件。" in response.content.decode()


@pytest.mark.parametrize("who", ["eco_handler", "partner_staff", "outsider"])
def test_units_and_partners_do_not_see_data_sets(client, world, water, who):
    batch = ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="a.csv", sha256="0")
    as_user(client, getattr(world, who))
    assert client.get(reverse("datasets:list")).status_code == 403
    for url in (reverse("datasets:detail", args=[water.code]), reverse("datasets:import", args=[water.code]),
                reverse("datasets:batch", args=[batch.pk]), reverse("datasets:template", args=[water.code])):
        assert client.get(url).status_code == 404, url


def test_readonly_leader_sees_but_may_not_import(client, world, water):
    as_user(client, world.readonly)
    listing = client.get(reverse("datasets:list")).content.decode()
    assert "断面水质监测" in listing and "导入数据" not in listing
    response = client.post(reverse("datasets:import", args=[water.code]),
                           {"file": SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode()), "mode": "append"})
    assert "只有纪检监察机构的监督人员可以导入数据。" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_template_has_the_chinese_header(client, world, water, tmp_path):
    response = as_user(client, world.officer).get(reverse("datasets:template", args=[water.code]))
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == ["断面编码", "断面名称", "监测日期", "化学需氧量", "样品数", "水质类别",
                                           "经度", "纬度"]


def test_list_query_count_does_not_grow_with_data_sets(client, world, water, assert_query_baseline,
                                                      django_assert_max_num_queries):
    as_user(client, world.officer)
    with assert_query_baseline("list page") as small:
        client.get(reverse("datasets:list"))
    for i in range(5):
        dataset_define(actor=world.officer, spec={**WATER_SPEC, "code": f"water_{i}", "name": f"水质{i}"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "水质4" in client.get(reverse("datasets:list")).content.decode()


@pytest.fixture
def api(world):
    client = APIClient()
    token = issue_test_token(world.officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_api_imports_a_file_and_reports_its_status(api, world, water):
    response = api.post(f"/datasets/api/{water.code}/batches/", {
        "file": SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode("gb18030")), "mode": "append"},
        format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["row_count"], body["dataset"]) == ("queued", 0, "water_readings")
    run_queued_jobs()
    status = api.get(body["url"]).json()
    assert status["status_label"] == "已完成" and status["percent"] == 100


def test_api_refusals_are_clear(api, world, water):
    missing = api.post(f"/datasets/api/{water.code}/batches/", {"mode": "append"}, format="multipart")
    assert (missing.status_code, missing.json()["detail"]) == (400, "请上传要导入的文件（file）。")
    assert api.post("/datasets/api/nope/batches/", {}, format="multipart").status_code == 404
    unit = APIClient()
    unit.force_authenticate(world.eco_handler)
    batch = ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="a.csv", sha256="0")
    assert unit.get(f"/datasets/api/batches/{batch.pk}/").status_code == 404
    assert unit.post(f"/datasets/api/{water.code}/batches/", {}, format="multipart").status_code == 404
