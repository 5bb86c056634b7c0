"""Events the audit log records on behalf of core's machinery (which imports no app, so cannot call it)."""
import datetime as dt

from django.db.models import Model

from qingshan.core.retention import retention_days

from .services import record_event

JOB_FILE_EXPIRED = "job_file_expired"


def record_job_file_expired(sender: type[Model], *, job: Model, label: str, now: dt.datetime,
                            **_kwargs: object) -> None:
    """A job's file deleted by the retention sweep (core/retention.py): the job, the file and its SHA-256."""
    record_event(object_type=sender._meta.label_lower, object_id=job.pk, action=JOB_FILE_EXPIRED, internal=True,
                 to_state="expired", payload={"file": label, "filename": getattr(job, "filename", ""),
                                              "sha256": getattr(job, "sha256", ""),
                                              "retention_days": retention_days()})
