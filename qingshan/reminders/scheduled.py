"""The reminder engine's periodic job: the sweep (contract in qingshan/core/scheduled.py)."""
from django.conf import settings

from qingshan.core.scheduled import ScheduledJob

from .sweep import run_sweep

SCHEDULED_JOBS = [
    ScheduledJob(code="reminders.sweep", label="提醒扫描", every_seconds=settings.REMINDER_SWEEP_INTERVAL,
                 run=lambda should_stop: run_sweep(should_stop=should_stop).summary()),
]
