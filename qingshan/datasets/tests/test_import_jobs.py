"""Imports on the job queue: the request stores and queues, the worker imports; a worker killed mid-import leaves
a 运行中 job that the next worker start (or periodic check) fails with a clear message, deleting the files."""
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from qingshan.core.jobs import recover_interrupted
from qingshan.core.worker import claim_next
from qingshan.datasets.choices import BatchStatus
from qingshan.datasets.models import ImportBatch
from qingshan.datasets.services import batch_create

from .conftest import GOOD_ROWS, HEADER


def test_an_import_whose_worker_was_killed_is_failed_and_its_files_removed(world, water):
    batch = batch_create(actor=world.officer, dataset=water,
                         upload=SimpleUploadedFile("w.csv", (HEADER + GOOD_ROWS).encode()))
    assert DBTaskResult.objects.get().status == "READY"
    # A worker took the job and died mid-import (as after kill -9): its row stays 运行中, its batch 导入中.
    assert claim_next("killed-worker") is not None
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, phase="校验数据", percent=40)
    scratch = Path(batch.stored_path).with_name(Path(batch.stored_path).stem + "-work")
    scratch.mkdir()
    assert Path(batch.stored_path).is_file()

    assert recover_interrupted() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.error_summary == "后台任务中断（工作进程已停止），数据未做任何修改，请重新提交导入。"
    assert not Path(batch.stored_path).exists() and not scratch.exists()
    assert DBTaskResult.objects.get().status == "FAILED"
    water.refresh_from_db()
    assert water.row_count == 0
