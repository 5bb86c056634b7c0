"""manage.py run_models: run the data-comparison models that are due, once (for cron) or --loop."""
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from qingshan.datacheck.scheduled import run_due_models


class Command(BaseCommand):
    help = "运行到期的数据比对模型（按每日/每周计划）。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=int, default=300, help="--loop 时两次检查之间的秒数（默认 300）")

    def handle(self, *args, loop=False, interval=300, **options):
        stop = threading.Event()
        if loop:
            def on_signal(signum, frame):
                stop.set()
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        while True:
            runs = run_due_models()
            failed = sum(1 for r in runs if r.error)
            self.stdout.write(f"运行模型 {len(runs)} 个，失败 {failed} 个。")
            if not loop or stop.is_set():
                break
            close_old_connections()
            stop.wait(interval)
            if stop.is_set():
                break
