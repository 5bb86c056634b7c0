"""Ledger exports' files expire by the core retention sweep (qingshan/core/retention.py): kept for
LEDGER_EXPORT_RETENTION_DAYS, then deleted and the export marked 已过期, which its job page says."""
from qingshan.core.retention import RetainedFiles

from .models import ExportStatus

RETAINED_FILES = [RetainedFiles("ledgers.ExportJob", "台账导出文件", expired={"status": ExportStatus.EXPIRED.value},
                                expired_at_field="expired_at", days_setting="LEDGER_EXPORT_RETENTION_DAYS")]
