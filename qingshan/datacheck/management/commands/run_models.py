"""manage.py run_models: run the data-comparison models that are due, once (for cron) or --loop."""
from django.core.management.base import BaseCommand

from qingshan.core.periodic import run_periodically
from qingshan.datacheck.scheduled import run_due_models


class Command(BaseCommand):
    help = "运行到期的数据比对模型（按每日/每周计划）。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=int, default=300, help="--loop 时两次检查之间的秒数（默认 300）")

    def handle(self, *args, loop=False, interval=300, **options):
        run_periodically(lambda should_stop: self._summary(run_due_models()), loop=loop, interval=interval,
                         write=self.stdout.write)

    @staticmethod
    def _summary(runs) -> str:
        return f"运行模型 {len(runs)} 个，失败 {sum(1 for r in runs if r.error)} 个。"
