"""manage.py run_worker: the background process — queued jobs (imports, model runs) and every app's periodic jobs
(what `run_scheduled --loop` runs), until SIGTERM/SIGINT."""
from django.core.management.base import BaseCommand

from qingshan.core.worker import run_worker


class Command(BaseCommand):
    help = "运行后台工作进程：执行排队的后台任务（数据导入、模型运行等）和各模块的定时任务，直到收到停止信号。"

    def add_arguments(self, parser):
        parser.add_argument("--jobs-only", action="store_true",
                            help="只执行排队的后台任务，不运行定时任务（定时任务另由 cron 运行 run_scheduled 时）")
        parser.add_argument("--once", action="store_true", help="执行到队列为空后退出")

    def handle(self, *args, jobs_only=False, once=False, **options):
        run_worker(write=self.stdout.write, only_jobs=jobs_only, once=once)
        self.stdout.write("后台工作进程已停止。")
