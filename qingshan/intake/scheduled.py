"""Machine intake's periodic job: the duplicate scan of newly registered problems (contract in core/scheduled.py)."""
from qingshan.core.scheduled import ScheduledJob

from .dedup import scan_once


def _scan(should_stop) -> str:
    compared = total = 0
    while not should_stop():
        read, made = scan_once()
        compared, total = compared + read, total + made
        if read == 0:
            break
    return f"疑似重复扫描：比对新问题 {compared} 个，新发现疑似重复 {total} 组。"


SCHEDULED_JOBS = [ScheduledJob(code="intake.dedup", label="疑似重复问题扫描", every_seconds=120, run=_scan)]
