"""The dashboards' periodic job (contract in qingshan/core/scheduled.py): once a day, the KPI snapshots are checked
against the records; anything a write bypassing save() left stale is repaired and the repair is audited."""
from qingshan.core.scheduled import ScheduledJob

from .snapshots import check_snapshots


def _check(should_stop) -> str:
    result = check_snapshots()
    if not result.drifted:
        return "指标快照核对：与实时计数一致。"
    return f"指标快照核对：修复问题指标事实 {result.facts} 个、快照 {result.snapshot_rows} 行（已记入审计日志）。"


SCHEDULED_JOBS = [
    ScheduledJob(code="dashboards.snapshot_check", label="指标快照夜间核对", every_seconds=24 * 3600, run=_check),
]
