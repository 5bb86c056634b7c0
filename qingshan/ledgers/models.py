"""A ledger export run by the background worker: the request queues it, the page follows it, its asker downloads it."""
from django.conf import settings
from django.db import models

from qingshan.core.choices import ColouredChoices, JobStatus, with_colours


class ExportStatus(ColouredChoices):
    """A ledger export's place in the background queue: the words of every job (core JobStatus), and 已过期 once its
    file has been deleted after the retention (settings.LEDGER_EXPORT_RETENTION_DAYS)."""

    QUEUED = JobStatus.QUEUED.value, JobStatus.QUEUED.label
    RUNNING = JobStatus.RUNNING.value, JobStatus.RUNNING.label
    DONE = JobStatus.DONE.value, JobStatus.DONE.label
    FAILED = JobStatus.FAILED.value, JobStatus.FAILED.label
    EXPIRED = "expired", "已过期"


with_colours(ExportStatus, {**{value: JobStatus.colour_of(value) for value in JobStatus.values},
                            ExportStatus.EXPIRED: "secondary"})


class ExportJob(models.Model):
    """One ledger written to .xlsx under its filters, as the person who asked may see it; the file is theirs alone."""

    ledger = models.CharField("台账", max_length=40)  # a LedgerSpec code
    params = models.JSONField("筛选条件", default=dict, blank=True)  # the page's query string, name -> list of values
    filters = models.CharField("筛选条件说明", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_written = models.PositiveIntegerField("已写行数", default=0)
    stored_path = models.CharField(max_length=500, blank=True, editable=False,
                                   help_text="the workbook under JOB_FILES_DIR (0600) once written")
    filename = models.CharField("文件名", max_length=255, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    expired_at = models.DateTimeField("文件删除时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账导出"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.ledger} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def status_colour(self) -> str:
        return ExportStatus.colour_of(self.status)

    @property
    def progress(self) -> int:
        """Percent of rows written (100 once done)."""
        if self.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_written * 100 // self.rows_total)
