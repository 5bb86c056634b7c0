"""The dashboards' periodic jobs (contract in qingshan/core/scheduled.py): once a day, the KPI snapshots are checked
against the records (anything a write bypassing save() left stale is repaired and the repair is audited); every
minute, the facts of the problems written since (listed by the PostgreSQL trigger) are recomputed and the snapshot
moved; every ten minutes, the snapshot's rows of differences are folded into one row per key."""
from qingshan.core.scheduled import ScheduledJob

from .snapshots import check_snapshots, compact_snapshots, fold_dirty


def _check(should_stop) -> str:
    result = check_snapshots()
    if not result.drifted:
        return "指标快照核对：与实时计数一致。"
    return f"指标快照核对：修复问题指标事实 {result.facts} 个、快照 {result.snapshot_rows} 行（已记入审计日志）。"


def _fold(should_stop) -> str:
    return f"指标事实更新：更新问题 {fold_dirty()} 个。"


def _compact(should_stop) -> str:
    return f"指标快照合并：合并掉 {compact_snapshots()} 行。"


SCHEDULED_JOBS = [
    ScheduledJob(code="dashboards.snapshot_check", label="指标快照夜间核对", every_seconds=24 * 3600, run=_check),
    ScheduledJob(code="dashboards.snapshot_compact", label="指标快照合并", every_seconds=600, run=_compact),
    ScheduledJob(code="dashboards.fact_fold", label="指标事实更新", every_seconds=60, run=_fold),
]
