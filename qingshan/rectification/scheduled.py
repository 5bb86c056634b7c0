"""The daily pass that keeps the stored warning colours true (a milestone passing unfinished turns an item yellow,
then red, without anyone touching it)."""
from qingshan.core.scheduled import ScheduledJob

from .services import warnings_refresh


def _refresh(should_stop) -> str:
    changed = warnings_refresh()
    return f"整改预警：{changed} 个事项的预警已更新。"


SCHEDULED_JOBS = [ScheduledJob(code="rectification.warnings", label="整改预警刷新", every_seconds=24 * 3600,
                               run=_refresh)]
