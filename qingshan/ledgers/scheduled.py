"""The ledgers' periodic job (contract in qingshan/core/scheduled.py): finished exports are kept for
LEDGER_EXPORT_RETENTION_DAYS, then their files are deleted and the job page says 已过期."""
from django.conf import settings

from qingshan.core.scheduled import ScheduledJob

from .exports import expire_exports


def _sweep(should_stop) -> str:
    return f"台账导出文件：删除超过 {settings.LEDGER_EXPORT_RETENTION_DAYS} 天的 {expire_exports()} 个。"


SCHEDULED_JOBS = [
    ScheduledJob(code="ledgers.expire_exports", label="过期导出文件清理", every_seconds=3600, run=_sweep),
]
