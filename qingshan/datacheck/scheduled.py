"""Scheduled runs: every enabled model whose next run is due runs once, claimed before it runs.

Declared as a periodic job (contract in qingshan/core/scheduled.py), run by `manage.py run_scheduled` (or its alias
`run_models`), once for cron or --loop. Each due model is claimed by a conditional UPDATE that moves its next_run_at
forward, so two schedulers (or a repeated call) never run the same slot twice.
"""
import datetime as dt
import logging

from django.utils import timezone

from qingshan.core.scheduled import ScheduledJob

from .choices import Schedule, Trigger
from .models import CheckModel, Run
from .services import next_run_after, run_start

log = logging.getLogger(__name__)


def run_due_models(now: dt.datetime | None = None) -> list[Run]:
    """Run each enabled, scheduled model whose next run is at or before `now`; return the runs made."""
    now = now or timezone.now()
    runs = []
    due = CheckModel.objects.filter(enabled=True, next_run_at__lte=now).exclude(schedule=Schedule.NONE)
    for model in due.select_related("owner_org__region").order_by("next_run_at", "pk"):
        claimed = CheckModel.objects.filter(pk=model.pk, enabled=True, next_run_at=model.next_run_at).update(
            next_run_at=next_run_after(model.schedule, now))
        if not claimed:
            continue  # another scheduler took this slot
        run = run_start(actor=None, model=model, trigger=Trigger.SCHEDULED)
        if run.error:
            log.warning("scheduled run of %s failed: %s", model.code, run.error)
        runs.append(run)
    return runs


def _summary(runs: list[Run]) -> str:
    return f"运行模型 {len(runs)} 个，失败 {sum(1 for r in runs if r.error)} 个。"


SCHEDULED_JOBS = [
    ScheduledJob(code="datacheck.models", label="数据比对定时运行", every_seconds=300,
                 run=lambda should_stop: _summary(run_due_models())),
]
