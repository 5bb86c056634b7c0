"""manage.py run_models: the data-comparison models that are due (an alias of `run_scheduled --only
datacheck.models`), once for cron or --loop."""
from qingshan.core.management.commands.run_scheduled import Command as RunScheduled


class Command(RunScheduled):
    help = "运行到期的数据比对模型（按每日/每周计划）。"
    only = ("datacheck.models",)
    stopped = "数据比对定时运行已停止。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--interval", type=int, default=None, help="--loop 时两次检查之间的秒数（默认 300）")

    def interval(self, options) -> float | None:
        return options.get("interval")
