"""The periodic-job contract: each app declares its jobs in `<app>/scheduled.py` as
`SCHEDULED_JOBS: list[ScheduledJob]`, and one command (`manage.py run_scheduled`) runs them all.

A job's pass is idempotent (it claims its work before doing it), so cron may start the command every minute and two
schedulers may overlap; `--loop` keeps one process and runs each job again when its interval has passed.
"""
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .periodic import run_periodically
from .registry import declared

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    """A periodic job of one app: one pass, run at most every `every_seconds` by the looping scheduler."""

    code: str  # stable, for `--only`, e.g. "reminders.sweep"
    label: str  # shown in the command's output, e.g. "提醒扫描"
    every_seconds: float
    # One pass: run(should_stop) -> a one-line Chinese summary; a long pass checks should_stop() between batches.
    run: Callable[[Callable[[], bool]], str]


class UnknownJob(ValueError):
    """`--only` named a job no app declares."""


def scheduled_jobs(only: Collection[str] = ()) -> list[ScheduledJob]:
    """Every declared job in INSTALLED_APPS order, or only those whose codes are given."""
    from .retention import scheduled_jobs as core_jobs  # core's own: the retention sweep of job files

    jobs = [*core_jobs(), *declared("scheduled", "SCHEDULED_JOBS")]
    if not only:
        return jobs
    codes = {job.code for job in jobs}
    unknown = sorted(set(only) - codes)
    if unknown:
        raise UnknownJob(f"没有这个定时任务：{'、'.join(unknown)}（可选：{'、'.join(sorted(codes))}）")
    return [job for job in jobs if job.code in only]


class Scheduler:
    """Runs each job when its interval (or `interval` for all) has passed since its last pass; shared by
    `run_scheduled` and the job-queue worker (`run_worker`), which calls `run_due` between jobs."""

    def __init__(self, jobs: list[ScheduledJob], *, interval: float | None = None):
        self.jobs = jobs
        self.every = {job.code: interval or job.every_seconds for job in jobs}
        self.next_at: dict[str, float] = {}
        self.failures: list[str] = []

    @property
    def shortest(self) -> float:
        return min(self.every.values(), default=60.0)

    def run_due(self, should_stop: Callable[[], bool]) -> str:
        """One pass of every job that is due; a job that raises is logged and reported, and the others still run."""
        lines = []
        for job in self.jobs:
            now = time.monotonic()
            if should_stop() or now < self.next_at.get(job.code, now):
                continue
            self.next_at[job.code] = now + self.every[job.code]
            try:
                lines.append(job.run(should_stop))
            except Exception as exc:  # noqa: BLE001 - one broken job must not stop the others
                log.exception("scheduled job %s failed", job.code)
                self.failures.append(f"{job.label}出错：{exc}")
                lines.append(self.failures[-1])
        return "\n".join(lines)


def run_scheduled(jobs: list[ScheduledJob], *, loop: bool, write: Callable[[str], None],
                  interval: float | None = None) -> list[str]:
    """Run each job once, or with `loop` each again when its interval (or `interval` for all) has passed, until
    SIGTERM/SIGINT. A job that raises is logged and reported, and the others still run; returns the failures."""
    scheduler = Scheduler(jobs, interval=interval)
    if jobs:
        run_periodically(scheduler.run_due, loop=loop, interval=scheduler.shortest, write=write)
    return scheduler.failures
