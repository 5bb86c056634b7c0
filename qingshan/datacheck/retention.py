"""The evidence packages' files expire (contract in qingshan/core/retention.py); the export's page then says so."""
from qingshan.core.retention import RetainedFiles

RETAINED_FILES = [RetainedFiles("datacheck.EvidenceExport", "证据包")]
