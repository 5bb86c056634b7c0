"""What apps share from the ground floor: the abstract stored file, and core's one table, the background
workers' heartbeats (by which a dead worker's jobs are found)."""
from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    """An uploaded file kept outside the web root under a random name, served only by a view that checks access:
    the record keeps the original name, the type decided from the checked extension (core/uploads.py), the size, the
    SHA-256 that proves it unaltered, and who uploaded it when. Each app adds what the file belongs to and `file`."""

    stored_token = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")



class WorkerHeartbeat(models.Model):
    """A running `manage.py run_worker` process: it touches `seen_at` every JOB_HEARTBEAT_SECONDS while it lives."""

    worker_id = models.CharField("工作进程标识", max_length=64, primary_key=True)
    host = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台工作进程"

    def __str__(self):
        return f"{self.host}:{self.pid}"


class NumberSequence(models.Model):
    """One gap-free series of official numbers (clues, instruments…): a `series` names what is numbered and by whom
    (e.g. "clue:12" for commission 12's clues, "instrument:suggestion:12"), counted per year. See core/numbering.py."""

    series = models.CharField("编号序列", max_length=80)
    year = models.PositiveIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="uniq_number_sequence")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last}"
