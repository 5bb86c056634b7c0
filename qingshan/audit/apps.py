from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qingshan.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from qingshan.core.retention import job_file_expired

        from .receivers import record_job_file_expired

        job_file_expired.connect(record_job_file_expired, dispatch_uid="audit.job_file_expired")
