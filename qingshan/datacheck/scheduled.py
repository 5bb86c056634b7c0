"""Scheduled runs: every enabled model whose next run is due is queued once, claimed before it is queued.

Declared as a periodic job (contract in qingshan/core/scheduled.py), run by the worker (`manage.py run_worker`) or
`manage.py run_scheduled` (or its alias `run_models`), once for cron or --loop. Each due model is claimed by a
conditional UPDATE that moves its next_run_at forward, so two schedulers (or a repeated call) never queue the same
slot twice. The run itself is a job like any other (its limits, and its failure when its worker is killed).
"""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from qingshan.core.scheduled import ScheduledJob

from .choices import Schedule, Trigger
from .models import CheckModel, Run
from .services import next_run_after, run_start


def run_due_models(now: dt.datetime | None = None) -> list[Run]:
    """Queue a run of each enabled, scheduled model whose next run is at or before `now`; return the runs queued."""
    now = now or timezone.now()
    runs = []
    due = CheckModel.objects.filter(enabled=True, next_run_at__lte=now).exclude(schedule=Schedule.NONE)
    for model in due.select_related("owner_org__region").order_by("next_run_at", "pk"):
        with transaction.atomic():  # the slot is taken exactly when its run is queued
            claimed = CheckModel.objects.filter(pk=model.pk, enabled=True, next_run_at=model.next_run_at).update(
                next_run_at=next_run_after(model.schedule, now))
            if not claimed:
                continue  # another scheduler took this slot
            runs.append(run_start(actor=None, model=model, trigger=Trigger.SCHEDULED, background=True))
    return runs


def _summary(runs: list[Run]) -> str:
    return f"到期模型 {len(runs)} 个，已排入后台运行。"


SCHEDULED_JOBS = [
    ScheduledJob(code="datacheck.models", label="数据比对定时运行", every_seconds=300,
                 run=lambda should_stop: _summary(run_due_models())),
]
