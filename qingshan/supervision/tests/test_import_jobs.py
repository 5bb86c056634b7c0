"""Excel imports run by the background worker: the page queues the upload, the worker reads it (the bounded
reader: never in the web request) and the page that started it shows 排队中, then the result."""
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.core.testing import spreadsheets
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.supervision.choices import ImportStatus
from qingshan.supervision.models import ImportJob, SupervisionItem

from .test_excel import ITEM_HEADER, READING_HEADER, XLSX, item_row, xlsx


def _submit(client, user, upload, kind="items"):
    client.force_login(user)
    return client.post(reverse("supervision:import", args=[kind]), {"file": upload})


def test_the_page_queues_the_file_and_shows_the_workers_result(client, sw):
    response = _submit(client, sw.officer, xlsx([ITEM_HEADER, item_row()]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:import_job", args=["items", job.pk])
    waiting = client.get(response["Location"]).content.decode()
    assert "排队中" in waiting and "等待后台工作进程开始导入" in waiting and 'hx-trigger="every 1s"' in waiting
    assert not SupervisionItem.objects.filter(title="黑臭水体整治监督").exists()  # nothing read in the request
    assert Path(job.stored_path).is_file()

    assert run_queued_jobs() == 1
    done = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in done and "导入完成：已导入 1 行。" in done and "hx-trigger" not in done
    assert SupervisionItem.objects.filter(title="黑臭水体整治监督").exists()
    assert not Path(job.stored_path).exists()  # the upload is kept only until its job ends


def test_bad_rows_fail_the_job_with_the_per_cell_report_and_change_nothing(client, sw):
    _submit(client, sw.officer, xlsx([ITEM_HEADER, item_row(报送周期="每两周")]))
    run_queued_jobs()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and job.errors
    page = client.get(reverse("supervision:import_job", args=["items", job.pk])).content.decode()
    assert "失败" in page and "未导入任何数据" in page and "第2行“报送周期”" in page
    assert not SupervisionItem.objects.filter(title="黑臭水体整治监督").exists()


def test_a_bomb_passes_the_request_and_is_refused_by_the_bounded_read_in_the_worker(client, sw):
    upload = SimpleUploadedFile("读数.xlsx", spreadsheets.blank_rows(READING_HEADER, rows=1_100_000), content_type=XLSX)
    assert _submit(client, sw.officer, upload, kind="readings").status_code == 302
    assert ImportJob.objects.get().status == ImportStatus.QUEUED
    run_queued_jobs()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and job.errors == [
        "Excel 工作表超过 1,000,000 行的上限（含空行），已停止读取。请删除多余的空行或拆分为多个文件后重新导入。"]


def test_a_wrong_type_is_refused_in_the_request_and_nothing_is_queued(client, sw):
    response = _submit(client, sw.officer, SimpleUploadedFile("a.csv", b"x", content_type="text/csv"))
    assert response.status_code == 400 and "仅接受 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert run_queued_jobs() == 0


def test_only_the_submitter_sees_the_job(client, sw):
    _submit(client, sw.officer, xlsx([ITEM_HEADER, item_row()]))
    job = ImportJob.objects.get()
    client.force_login(sw.readonly)
    assert client.get(reverse("supervision:import_job", args=["items", job.pk])).status_code == 404


def test_an_import_whose_worker_was_killed_is_failed_with_a_clear_message(client, sw):
    from qingshan.core.jobs import recover_interrupted
    from qingshan.core.worker import claim_next

    _submit(client, sw.officer, xlsx([ITEM_HEADER, item_row()]))
    job = ImportJob.objects.get()
    claim_next("killed-worker")  # taken by a worker that then died: the queue row stays 运行中
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    assert recover_interrupted() == 1
    page = client.get(reverse("supervision:import_job", args=["items", job.pk])).content.decode()
    assert "失败" in page and "后台任务中断（工作进程已停止），请重新提交。" in page
    assert not Path(job.stored_path).exists()
