"""Rebuild the audience table (problems.ProblemAudience) from the problems: after a bulk load written past the
services, or to repair it. The services keep it in every change's transaction; this refills it whole."""
import time

from django.core.management.base import BaseCommand

from qingshan.problems.audience import rebuild


class Command(BaseCommand):
    help = "从问题记录重建问题知悉单位表（含限定知悉范围标记；批量导入后或核对时使用）。"

    def handle(self, *args, **options):
        started = time.monotonic()
        rows = rebuild()
        self.stdout.write(f"已重建问题知悉单位 {rows} 行（用时 {time.monotonic() - started:.1f} 秒）。")
