"""Data sets (their schemas and where their rows are kept) and the import batches that fill them (domain §9)."""
from django.conf import settings
from django.db import models

from .catalog import table_name
from .choices import BatchStatus, ImportMode, Storage


class Dataset(models.Model):
    """A named table of rows with a typed schema, stored in the embedded DuckDB file (or an external Parquet file)."""

    code = models.CharField("代码", max_length=63, unique=True, help_text="小写字母、数字和下划线，以字母开头")
    name = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    # [{name, type, label, required, min?, max?, choices?}, ...] in column order; validated by schema.parse_spec().
    columns = models.JSONField("字段", default=list)
    key = models.JSONField("主键字段", default=list, blank=True)
    subject = models.JSONField("对象字段", default=list, blank=True, help_text="问题线索指向的对象，如断面、车辆、企业")
    lng_column = models.CharField("经度字段", max_length=63, blank=True)
    lat_column = models.CharField("纬度字段", max_length=63, blank=True)
    storage = models.CharField("存储方式", max_length=10, choices=Storage.choices, default=Storage.TABLE)
    external_path = models.CharField("外部文件路径", max_length=500, blank=True)
    # The commission the data set belongs to (domain §2: its jurisdiction sees it); other organisations see it
    # only through a DatasetShare. Null only on an instance without any commission: then nobody but the admin sees it.
    owner_org = models.ForeignKey("orgs.Organisation", verbose_name="所属纪委监委", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    schema_version = models.PositiveIntegerField("结构版本", default=1)
    row_count = models.BigIntegerField("行数", default=0)
    last_import_at = models.DateTimeField("最近导入时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据集"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def table(self) -> str:
        return table_name(self.code)

    @property
    def column_names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def label_of(self, column: str) -> str:
        return next((c.get("label") or column for c in self.columns if c["name"] == column), column)

    @property
    def personal_columns(self) -> list[str]:
        """Columns holding personal identifiers (身份证号, 电话号码): masked wherever they are shown."""
        return [c["name"] for c in self.columns if c.get("personal")]


class DatasetShare(models.Model):
    """One organisation a data set's commission shares it with, deliberately; revoking deletes it (both audited)."""

    dataset = models.ForeignKey(Dataset, verbose_name="数据集", on_delete=models.CASCADE, related_name="shares")
    org = models.ForeignKey("orgs.Organisation", verbose_name="共享给", on_delete=models.PROTECT, related_name="+")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="共享人", on_delete=models.PROTECT,
                                  related_name="+")
    shared_at = models.DateTimeField("共享时间")
    reason = models.CharField("共享事由", max_length=200)

    class Meta:
        verbose_name = verbose_name_plural = "数据集共享"
        ordering = ["dataset", "shared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "org"], name="uniq_dataset_share")]

    def __str__(self):
        return f"{self.dataset.code} → {self.org}"


class ImportBatch(models.Model):
    """One uploaded file imported into a data set, all or nothing, with its checksum, progress and error report."""

    dataset = models.ForeignKey(Dataset, verbose_name="数据集", on_delete=models.CASCADE, related_name="batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False,
                                   help_text="the uploaded file kept under DATASETS_DIR until the import ends")
    file_format = models.CharField("文件格式", max_length=10, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.BigIntegerField("文件大小（字节）", default=0)
    encoding = models.CharField("文件编码", max_length=20, blank=True)
    mode = models.CharField("导入方式", max_length=10, choices=ImportMode.choices, default=ImportMode.APPEND)
    status = models.CharField("状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED,
                              db_index=True)
    phase = models.CharField("当前步骤", max_length=30, blank=True)
    rows_done = models.BigIntegerField("已处理行数", default=0)
    rows_total = models.BigIntegerField("总行数", default=0)
    percent = models.PositiveSmallIntegerField("进度（%）", default=0)
    row_count = models.BigIntegerField("导入行数", default=0)
    error_summary = models.CharField("失败原因", max_length=500, blank=True)
    errors = models.JSONField("错误明细", default=list, blank=True)  # at most MAX_LISTED_ERRORS messages
    error_count = models.BigIntegerField("错误数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.dataset.code} #{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class BatchSeal(models.Model):
    """The seal of one written import batch (issue 16): the hash of its rows and of its source file, chained to the
    data set's previous seal; how `seal` is computed is defined in `sealing.py`. Never edited after creation, except
    for the superseding replace import and the latest verification outcome."""

    batch = models.OneToOneField(ImportBatch, verbose_name="导入批次", on_delete=models.PROTECT, related_name="seal")
    dataset = models.ForeignKey(Dataset, verbose_name="数据集", on_delete=models.CASCADE, related_name="seals")
    sequence = models.PositiveIntegerField("封存序号")
    previous_seal = models.CharField("上一封存值", max_length=64, blank=True)
    columns = models.JSONField("封存字段", default=list)  # [[name, type], ...] in schema order at sealing time
    row_count = models.BigIntegerField("行数")
    rows_sha256 = models.CharField("数据行哈希", max_length=64)
    file_sha256 = models.CharField("源文件 SHA-256", max_length=64)
    importer_name = models.CharField("导入人", max_length=150, blank=True)
    sealed_at = models.DateTimeField("封存时间")
    seal = models.CharField("封存值", max_length=64, unique=True)
    # The algorithm that made the seal (sealing.py); a batch is always re-hashed by its own seal's version.
    version = models.PositiveSmallIntegerField("封存算法版本", choices=[(1, "第 1 版"), (2, "第 2 版")], default=2)
    superseded_by = models.ForeignKey("self", verbose_name="被替换于", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    verified_at = models.DateTimeField("最近校验时间", null=True, blank=True)
    verified_ok = models.BooleanField("最近校验通过", null=True, blank=True)
    verify_problem = models.CharField("校验发现", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入批次封存"
        ordering = ["dataset", "sequence"]
        constraints = [models.UniqueConstraint(fields=["dataset", "sequence"], name="uniq_seal_sequence")]

    def __str__(self):
        return f"{self.dataset.code} #{self.sequence} {self.seal[:12]}"
