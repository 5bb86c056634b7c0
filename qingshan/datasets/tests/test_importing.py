"""Imports as a data officer sees them: accepted encodings and formats, refusals that name the problem, and the
all-or-nothing guarantee (a refused file leaves the table and its row count exactly as they were)."""
import io
import os
import time

import duckdb
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datasets.choices import BatchStatus
from qingshan.datasets.selectors import dataset_preview, duckdb_connect
from qingshan.datasets.services import batch_create, dataset_load_rows

from .conftest import GOOD_ROWS, HEADER

LABEL_HEADER = "断面编码,断面名称,监测日期,化学需氧量,样品数,水质类别,经度,纬度\n"


def upload(content: bytes, name="water.csv"):
    return SimpleUploadedFile(name, content)


def imported(world, dataset, content: bytes, name="water.csv", mode="append"):
    """Upload through the service, then let the worker's loop run the queued job (as `run_worker` would)."""
    batch = batch_create(actor=world.officer, dataset=dataset, upload=upload(content, name), mode=mode)
    assert batch.status == BatchStatus.QUEUED  # the web side only stores the file and queues the job
    run_queued_jobs()
    batch.refresh_from_db()
    dataset.refresh_from_db()
    return batch


def table_rows(dataset):
    with duckdb_connect(read_only=True) as con:
        return con.execute(f"SELECT * FROM {dataset.table} ORDER BY ALL").fetchall()


@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（带 BOM）"), ("gbk", "GBK"),
])
def test_csv_in_each_accepted_encoding_is_imported_with_chinese_intact(world, water, encoding, label):
    batch = imported(world, water, (LABEL_HEADER + GOOD_ROWS).encode(encoding))
    assert (batch.status, batch.encoding, batch.row_count, batch.percent) == (BatchStatus.DONE, label, 2, 100)
    assert water.row_count == 2
    _columns, rows = dataset_preview(user=world.officer, dataset=water)
    assert [r[1] for r in rows] == ["青山桥", "绿水闸"]


def test_gb18030_only_characters_are_detected_as_gb18030(world, water):
    # 𠮷 (U+20BB7) has no GBK code: only GB18030's four-byte form can carry it.
    batch = imported(world, water, (HEADER + "S09,𠮷家湾,2026-03-01,1,1,I,117,30\n").encode("gb18030"))
    assert (batch.status, batch.encoding) == (BatchStatus.DONE, "GB18030")
    assert table_rows(water)[0][1] == "𠮷家湾"


def test_xlsx_is_imported_from_its_first_sheet(world, water):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(LABEL_HEADER.strip().split(","))
    sheet.append(["S01", "青山桥", "2026-03-01", 12.5, 3.0, "II", 117.3, 30.2])
    sheet.append([None] * 8)  # trailing blank rows that spreadsheets leave behind are ignored
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = imported(world, water, buffer.getvalue(), name="水质.xlsx")
    assert (batch.status, batch.file_format, batch.row_count) == (BatchStatus.DONE, "xlsx", 1), batch.errors
    assert table_rows(water)[0][4] == 3


def test_parquet_is_imported(world, water, tmp_path):
    path = tmp_path / "w.parquet"
    duckdb.sql("SELECT 'S05' AS section, DATE '2026-03-02' AS sampled_on, 7.25 AS cod").write_parquet(str(path))
    batch = imported(world, water, path.read_bytes(), name="w.parquet")
    assert (batch.status, batch.file_format, batch.row_count) == (BatchStatus.DONE, "parquet", 1), batch.errors
    assert str(table_rows(water)[0][3]) == "7.250000"


@pytest.mark.parametrize(("content", "message"), [
    ((HEADER + GOOD_ROWS).encode("utf-16"), "文件编码为 UTF-16，系统不支持该编码。"),
    ((HEADER + "S01,臺北橋,2026-03-01,1,1,I,1,1\n" * 20).encode("big5"),
     "检测结果为 Big5（繁体中文），系统不支持该编码"),
    (os.urandom(4096) + b"\x00", "文件不是文本格式的 CSV（含有二进制内容），无法识别。"),
    (b"", "文件为空（0 字节），没有可导入的内容。"),
    (HEADER.encode(), "文件只有表头，没有数据行，没有可导入的内容。"),
    ((HEADER + 'S01,"青山桥,2026-03-01,1,1,I,1,1\n').encode(), "有未闭合的引号，文件可能被截断"),
    ((HEADER + GOOD_ROWS + "S03,断\n").encode(), "第 4 行附近的列数为 2，表头有 8 列"),
])
def test_bad_files_are_refused_by_name_and_change_nothing(world, water, content, message):
    good = imported(world, water, (HEADER + GOOD_ROWS).encode())
    before = table_rows(water)
    batch = imported(world, water, content)
    assert batch.status == BatchStatus.FAILED
    assert message in batch.error_summary
    assert table_rows(water) == before and water.row_count == 2 and good.status == BatchStatus.DONE
    assert AuditEvent.objects.filter(object_id=batch.pk, action="import_failed").exists()


def test_wrong_columns_are_listed(world, water):
    batch = imported(world, water, "断面编码,温度,水质类别\nS01,3,II\n".encode())
    assert batch.error_summary == ("表头与数据集结构不符：无法识别的列：“温度”；缺少必填列：“监测日期”。")


def test_wrong_values_are_listed_by_row_and_column_and_nothing_is_imported(world, water):
    rows = (GOOD_ROWS + "S03,x,2026-13-01,abc,1.5,VI,1,1\n" + "S04,y,2026-03-01,-1,1,I,1,1\n"
            + ",z,2026-03-01,1,1,I,1,1\n")
    batch = imported(world, water, (HEADER + rows).encode())
    assert batch.status == BatchStatus.FAILED
    assert batch.errors == [
        "第 4 行“监测日期”：“2026-13-01”不是日期（如 2026-03-01）",
        "第 4 行“化学需氧量”：“abc”不是数字",
        "第 4 行“样品数”：“1.5”不是整数",
        "第 4 行“水质类别”：“VI”不在可选值范围内（I、II、III、IV、V、劣V）",
        "第 5 行“化学需氧量”：“-1”小于下限 0",
        "第 6 行“断面编码”：不能为空",
    ]
    assert batch.error_summary == "数据校验未通过：共发现 6 处错误，文件中的数据均未导入。"
    assert water.row_count == 0 and table_rows(water) == []


def test_errors_are_capped_with_the_total_counted(world, water):
    rows = "".join(f"S{i},x,2026-03-01,abc,1,I,1,1\n" for i in range(450))
    batch = imported(world, water, (HEADER + rows).encode())
    assert len(batch.errors) == 200 and batch.error_count == 450
    assert batch.error_summary == "数据校验未通过：共发现 450 处错误，以下列出前 200 个，文件中的数据均未导入。"


def test_duplicate_keys_within_the_file_and_against_stored_rows_are_refused(world, water):
    batch = imported(world, water, (HEADER + GOOD_ROWS + "S01,again,2026-03-01,1,1,I,1,1\n").encode())
    assert batch.errors == ["第 4 行：主键（“断面编码”、“监测日期”）“S01、2026-03-01”与第 2 行重复"]
    imported(world, water, (HEADER + GOOD_ROWS).encode())
    again = imported(world, water, (HEADER + "S02,绿水闸,2026-03-01,1,1,I,1,1\n").encode())
    assert again.errors == ["第 2 行：主键（“断面编码”、“监测日期”）“S02、2026-03-01”在数据集中已存在"]
    assert water.row_count == 2


def test_append_adds_and_replace_swaps_all_rows(world, water):
    imported(world, water, (HEADER + GOOD_ROWS).encode())
    imported(world, water, (HEADER + "S03,江岸,2026-03-01,1,1,I,1,1\n").encode())
    assert water.row_count == 3
    batch = imported(world, water, (HEADER + "S09,新断面,2026-03-02,1,1,I,1,1\n").encode(), mode="replace")
    assert batch.status == BatchStatus.DONE and water.row_count == 1
    assert [r[0] for r in table_rows(water)] == ["S09"]


def test_truncated_xlsx_is_refused(world, water):
    workbook = openpyxl.Workbook()
    workbook.active.append(["断面编码", "监测日期"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = imported(world, water, buffer.getvalue()[:-200], name="cut.xlsx")
    assert batch.status == BatchStatus.FAILED
    assert batch.error_summary.startswith("Excel 文件已损坏或不完整，无法读取")


def test_import_is_audited_with_checksum(world, water):
    content = (HEADER + GOOD_ROWS).encode()
    batch = imported(world, water, content)
    import hashlib
    assert batch.sha256 == hashlib.sha256(content).hexdigest() and batch.size == len(content)
    actions = list(AuditEvent.objects.filter(object_id=batch.pk, object_type="datasets.importbatch")
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["import_start", "import_done"]


def test_unit_user_may_not_import(world, water):
    from qingshan.core.errors import PermissionRefused

    with pytest.raises(PermissionRefused, match="只有纪检监察机构的监督人员可以导入数据。"):
        batch_create(actor=world.eco_handler, dataset=water, upload=upload((HEADER + GOOD_ROWS).encode()))


def test_bulk_loader_takes_rows_and_relations(world, water):
    loaded = dataset_load_rows(actor=None, dataset=water, rows=[
        {"section": "S01", "sampled_on": "2026-03-01", "cod": "1.5"}, ("S02", "闸", "2026-03-01")])
    assert loaded == 2
    relation = duckdb.sql("SELECT 'S03' AS section, DATE '2026-03-01' AS sampled_on")
    assert dataset_load_rows(actor=None, dataset=water, relation=relation) == 1
    water.refresh_from_db()
    assert water.row_count == 3


def test_gbk_text_after_a_long_ascii_start_is_still_detected(world, water):
    # The first 64 KB are plain ASCII: the encoding is decided on the first line with Chinese in it.
    ascii_rows = "".join(f"A{i:05d},x,2026-03-01,1,1,I,1,1\n" for i in range(3000))
    batch = imported(world, water, (HEADER + ascii_rows + "S01,青山桥,2026-03-01,1,1,I,1,1\n").encode("gbk"))
    assert (batch.status, batch.encoding, batch.row_count) == (BatchStatus.DONE, "GBK", 3001), batch.error_summary
    assert ("S01", "青山桥") in [r[:2] for r in table_rows(water)]


def test_a_batch_left_running_by_a_dead_import_is_marked_failed_only_when_no_writer_holds_the_lock(world, water):
    from qingshan.datasets.models import ImportBatch
    from qingshan.datasets.services import batches_recover_interrupted
    from qingshan.datasets.storage import writer_lock

    dead = ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="a.csv", sha256="0",
                                      status=BatchStatus.RUNNING, phase="校验数据")
    with writer_lock():  # an import is running right now: nothing may be touched
        assert batches_recover_interrupted() == 0
    assert batches_recover_interrupted() == 1
    dead.refresh_from_db()
    assert dead.status == BatchStatus.FAILED
    assert dead.error_summary == "后台任务中断（工作进程已停止），数据未做任何修改，请重新提交导入。"


def test_recovery_deletes_the_files_of_crashed_imports_and_old_orphans_but_not_live_ones(world, water):
    from qingshan.datasets.models import ImportBatch
    from qingshan.datasets.services import _incoming_dir, batches_recover_interrupted

    incoming = _incoming_dir()

    def put(name: str, age_hours: float = 0) -> os.PathLike:
        path = incoming / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1024)
        stamp = time.time() - age_hours * 3600
        os.utime(path, (stamp, stamp))
        os.utime(path.parent, (stamp, stamp))
        return path

    # A batch killed while converting its GBK upload: the upload and its scratch copy are left behind.
    dead_upload = put("dead.csv")
    dead_scratch = put("dead-k2j4/utf8.csv")
    dead = ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="a.csv", sha256="0",
                                      stored_path=str(dead_upload), status=BatchStatus.RUNNING, phase="读取数据")
    queued_upload = put("queued.xlsx", age_hours=5)  # waiting its turn: kept however old
    ImportBatch.objects.create(dataset=water, created_by=world.officer, original_name="b.xlsx", sha256="0",
                               stored_path=str(queued_upload), status=BatchStatus.QUEUED)
    old_orphan = put("0a1b.csv", age_hours=2)  # an upload whose process died before its batch was saved
    old_load = put("load-x1y2/rows.csv", age_hours=2)  # a killed bulk load's scratch folder
    fresh_orphan = put("9f8e.parquet")  # may be an upload being written right now: kept

    assert batches_recover_interrupted() == 1
    dead.refresh_from_db()
    assert dead.status == BatchStatus.FAILED
    assert not dead_upload.exists() and not dead_scratch.parent.exists()
    assert not old_orphan.exists() and not old_load.parent.exists()
    assert queued_upload.exists() and fresh_orphan.exists()
    with duckdb_connect(read_only=True) as con:  # the staging table is a TEMP table: nothing staged survives
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'stg%'").fetchone()[0] == 0
