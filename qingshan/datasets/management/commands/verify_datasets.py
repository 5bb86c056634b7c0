"""manage.py verify_datasets [code ...]: re-hash the stored rows of every sealed import batch against its seal.

Exit 0 when every batch verifies; 1 (listing each finding) when rows were edited, deleted or inserted after sealing,
or a seal record itself was changed.
"""
from django.core.management.base import BaseCommand, CommandError

from qingshan.datasets.models import Dataset
from qingshan.datasets.services import datasets_verify


class Command(BaseCommand):
    help = "校验数据集封存：重新计算每个导入批次的数据行哈希，报告封存后被修改、删除或插入数据的批次。"

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="只校验这些数据集（代码）；默认全部")

    def handle(self, *args, codes: list[str], **options) -> None:
        datasets = None
        if codes:
            datasets = list(Dataset.objects.filter(code__in=codes).order_by("code"))
            unknown = sorted(set(codes) - {d.code for d in datasets})
            if unknown:
                raise CommandError(f"未找到数据集：{'、'.join(unknown)}")
        report = datasets_verify(actor=None, datasets=datasets)
        for result in report.results:
            state = "通过" if result.ok else f"发现 {len(result.findings)} 处异常"
            versions = f"（封存算法 {result.versions_text}）" if result.versions else ""
            self.stdout.write(f"{result.dataset.code}（{result.dataset.name}）：{result.batches} 个封存批次{versions}，"
                              f"{result.rows} 行，{state}")
        for finding in report.findings:
            self.stderr.write(f"[{finding.dataset}] {finding.message}")
        if report.findings:
            self.stderr.write(f"数据集封存校验失败：共 {len(report.findings)} 处异常。")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(
            f"数据集封存校验通过：{len(report.results)} 个数据集，{report.batch_count} 个批次，{report.row_count} 行，"
            "数据自导入后未被改动。"))
