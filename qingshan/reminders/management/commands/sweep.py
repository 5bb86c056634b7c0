"""manage.py sweep: one pass (for cron), or --loop as a long-running process that stops cleanly on SIGTERM/SIGINT."""
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from qingshan.reminders.sweep import run_sweep


class Command(BaseCommand):
    help = "扫描所有受监控的期限，产生提醒、提级督办并发送消息。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 REMINDER_SWEEP_INTERVAL 秒扫描一次")

    def handle(self, *args, loop=False, **options):
        stop = threading.Event()
        if loop:
            def on_signal(signum, frame):
                # Finish the batch in hand (it commits or rolls back whole), then leave.
                stop.set()
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        while True:
            stats = run_sweep(should_stop=stop.is_set)
            self.stdout.write(stats.summary())
            if not loop or stop.is_set():
                break
            close_old_connections()
            stop.wait(settings.REMINDER_SWEEP_INTERVAL)
            if stop.is_set():
                break
        if loop:
            self.stdout.write("提醒扫描已停止。")
