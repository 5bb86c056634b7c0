"""manage.py verify_audit: exit 1 and list every finding when the audit chain was tampered with.

Exit 0: intact and anchored (a new checkpoint is written); 1: tampering found; 2: internally consistent, but there
was no checkpoint outside the database to compare with, so truncation or a wipe could not be ruled out.
"""
from django.core.management.base import BaseCommand

from qingshan.audit.anchor import anchor_path, write_anchor
from qingshan.audit.verify import verify_log


class Command(BaseCommand):
    help = "校验审计日志哈希链：报告被篡改、删除、插入、调换顺序的事件，以及对照锚点发现的截断和清空。"

    def handle(self, *args: object, **options: object) -> None:
        result = verify_log()
        total = result.total
        if result.findings:
            for finding in result.findings:
                self.stderr.write(f"[{finding.label}] {finding.message}")
            self.stderr.write(f"审计链校验失败：{len(result.findings)} 处异常（共 {total} 条事件）。")
            # A non-zero exit lets cron and monitoring raise the alarm.
            raise SystemExit(1)
        # Only a chain found intact is checkpointed: a tampered state must never become the reference.
        write_anchor(seq=result.last_seq, digest=result.last_hash, count=total)
        if result.anchor is None:
            self.stderr.write(
                f"警告：未找到审计锚点（{anchor_path()}），无法判断最新的事件是否被整体删除或日志是否被清空。"
                f"已按当前 {total} 条事件写入新的锚点；若此前曾有锚点，请从备份核对。")
            self.stdout.write(f"审计链内部一致：共 {total} 条事件（无锚点可对照，见警告）。")
            raise SystemExit(2)
        self.stdout.write(self.style.SUCCESS(
            f"审计链完整：共 {total} 条事件，未发现篡改（已对照锚点：序号 {result.anchor.seq}）。"))
