"""Keeping an upload for a background job: refusals keep nothing, a failed queueing deletes the kept file."""
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshan.core.errors import ServiceError
from qingshan.core.job_uploads import kept_for_job

RULES = {"folder": "tests", "suffixes": (".xlsx", ".csv"), "max_bytes": 10, "wrong_type": "“{name}”不是表格文件。"}


@pytest.fixture(autouse=True)
def job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path
    return tmp_path


def kept_files(folder):
    return sorted(p.name for p in (folder / "tests").glob("*")) if (folder / "tests").exists() else []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("名单.exe", b"abc", "“名单.exe”不是表格文件。"),
    ("名单.csv", b"", "文件为空。"),
    ("名单.csv", b"x" * 11, "文件超过"),
])
def test_a_refused_upload_keeps_nothing(job_files, name, content, message):
    with pytest.raises(ServiceError, match=message), kept_for_job(SimpleUploadedFile(name, content), **RULES):
        pytest.fail("the body must not run for a refused file")
    assert kept_files(job_files) == []


def test_the_kept_file_carries_its_name_size_and_hash(job_files):
    with kept_for_job(SimpleUploadedFile("../../热线.CSV", b"a,b\n"), **RULES) as kept:
        pass
    assert (kept.name, kept.size, kept.sha256) == ("热线.CSV", 4, hashlib.sha256(b"a,b\n").hexdigest())
    assert kept.path.read_bytes() == b"a,b\n" and kept.path.suffix == ".csv" and kept.path.parent == job_files / "tests"


def test_a_failure_after_keeping_deletes_the_file(job_files):
    with pytest.raises(RuntimeError), kept_for_job(SimpleUploadedFile("热线.csv", b"a,b\n"), **RULES):
        assert len(kept_files(job_files)) == 1
        raise RuntimeError("the job could not be queued")
    assert kept_files(job_files) == []
