"""Machine intake's periodic job: the duplicate scan of newly registered problems (contract in core/scheduled.py)."""
from qingshan.core.scheduled import ScheduledJob

from .dedup import scan_once


def _scan(should_stop) -> str:
    total = 0
    while not should_stop():
        read, made = scan_once()
        total += made
        if read == 0:
            break
    return f"疑似重复问题：新发现 {total} 组" if total else ""


SCHEDULED_JOBS = [ScheduledJob(code="intake.dedup", label="疑似重复问题扫描", every_seconds=120, run=_scan)]
