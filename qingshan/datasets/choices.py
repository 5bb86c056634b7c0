"""Choice sets of the data sets (domain §9): storage kinds, import batch states and modes, each with its colour."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class Storage(models.TextChoices):
    TABLE = "table", "内置表（DuckDB）"
    PARQUET = "parquet", "外部 Parquet 文件"


class BatchStatus(ColouredChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


with_colours(BatchStatus, {
    BatchStatus.QUEUED: "secondary", BatchStatus.RUNNING: "primary", BatchStatus.DONE: "success",
    BatchStatus.FAILED: "danger",
})

FINISHED_STATUSES = frozenset({BatchStatus.DONE, BatchStatus.FAILED})


class ImportMode(models.TextChoices):
    APPEND = "append", "追加"
    REPLACE = "replace", "替换全部数据"


class Action(models.TextChoices):
    """Audit actions of this app."""

    DEFINE = "dataset_define", "定义数据集"
    EVOLVE = "dataset_evolve", "修改数据集结构"
    IMPORT_START = "import_start", "开始导入"
    IMPORT_DONE = "import_done", "导入完成"
    IMPORT_FAILED = "import_failed", "导入失败"
    LOAD = "dataset_load", "批量装载"
    SHARE = "dataset_share", "共享数据集"
    UNSHARE = "dataset_unshare", "撤销数据集共享"
    REVEAL = "dataset_reveal", "查看个人信息明文"
    VERIFY = "datasets_verify", "校验数据集封存"
    VERIFY_REQUEST = "datasets_verify_request", "申请校验数据集封存"
