"""Rebuild the KPI snapshots from the problem records (after a bulk load, or to check them)."""
import time

from django.core.management.base import BaseCommand

from qingshan.dashboards.snapshots import rebuild_snapshots


class Command(BaseCommand):
    help = "从问题记录重建考核指标快照（批量导入后或核对时使用）。"

    def handle(self, *args, **options):
        started = time.monotonic()
        count = rebuild_snapshots()
        self.stdout.write(f"已重建 {count} 个问题的指标快照（用时 {time.monotonic() - started:.1f} 秒）。")
