"""manage.py sweep: the reminder sweep alone (an alias of `run_scheduled --only reminders.sweep`), once for cron or
--loop every REMINDER_SWEEP_INTERVAL seconds."""
from django.conf import settings

from qingshan.core.management.commands.run_scheduled import Command as RunScheduled


class Command(RunScheduled):
    help = "扫描所有受监控的期限，产生提醒、提级督办并发送消息。"
    only = ("reminders.sweep",)
    stopped = "提醒扫描已停止。"

    def interval(self, options) -> float:
        return settings.REMINDER_SWEEP_INTERVAL
