"""manage.py run_scheduled: every app's periodic jobs (`<app>/scheduled.py`), once (for cron) or --loop as one
long-running process that stops cleanly on SIGTERM/SIGINT."""
from django.core.management.base import BaseCommand, CommandError

from qingshan.core.scheduled import UnknownJob, run_scheduled, scheduled_jobs


class Command(BaseCommand):
    help = "运行各模块的定时任务（提醒扫描、数据比对定时运行等）：运行一次，或 --loop 持续运行。"
    only: tuple[str, ...] = ()  # an alias command runs one job
    stopped = "定时任务已停止。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每个任务按其间隔再次运行")
        if not self.only:
            parser.add_argument("--only", action="append", default=[], metavar="CODE",
                                help="只运行该任务（可重复），如 reminders.sweep、datacheck.models")

    def interval(self, options) -> float | None:
        """Seconds between two passes of every job; None: each job's own interval."""
        return None

    def handle(self, *args, loop=False, **options):
        try:
            jobs = scheduled_jobs(self.only or options.get("only") or ())
        except UnknownJob as exc:
            raise CommandError(str(exc)) from exc
        failures = run_scheduled(jobs, loop=loop, write=self.stdout.write, interval=self.interval(options))
        if loop:
            self.stdout.write(self.stopped)
        elif failures:
            raise CommandError("；".join(failures))  # cron sees a failed run
