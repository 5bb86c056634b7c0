"""manage.py sweep: one pass (for cron), or --loop as a long-running process that stops cleanly on SIGTERM/SIGINT."""
from django.conf import settings
from django.core.management.base import BaseCommand

from qingshan.core.periodic import run_periodically
from qingshan.reminders.sweep import run_sweep


class Command(BaseCommand):
    help = "扫描所有受监控的期限，产生提醒、提级督办并发送消息。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 REMINDER_SWEEP_INTERVAL 秒扫描一次")

    def handle(self, *args, loop=False, **options):
        run_periodically(lambda should_stop: run_sweep(should_stop=should_stop).summary(), loop=loop,
                         interval=settings.REMINDER_SWEEP_INTERVAL, write=self.stdout.write)
        if loop:
            self.stdout.write("提醒扫描已停止。")
