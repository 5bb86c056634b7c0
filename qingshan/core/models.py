"""The ground floor's one table: the background workers' heartbeats, by which a dead worker's jobs are found."""
from django.db import models


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
