"""manage.py verify_audit: exit 1 and list every finding when the audit chain was tampered with."""
from django.core.management.base import BaseCommand

from qingshan.audit.models import AuditEvent
from qingshan.audit.verify import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链：报告被篡改、删除、插入或调换顺序的事件。"

    def handle(self, *args: object, **options: object) -> None:
        findings = verify_chain()
        total = AuditEvent.objects.count()
        if not findings:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {total} 条事件，未发现篡改。"))
            return
        for finding in findings:
            self.stderr.write(f"[{finding.label}] {finding.message}")
        self.stderr.write(f"审计链校验失败：{len(findings)} 处异常（共 {total} 条事件）。")
        # A non-zero exit lets cron and monitoring raise the alarm.
        raise SystemExit(1)
