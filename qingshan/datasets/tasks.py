"""The data sets' background job: an import batch, run by the worker (`manage.py run_worker`), never the web process."""
from qingshan.core.jobs import job

from . import services


@job(on_interrupted=lambda batch_id: services.batch_interrupted(batch_id))
def run_import_batch(batch_id: int) -> str:
    """Read, validate and store one queued batch (the bounded spreadsheet read happens here, in the worker)."""
    return services.batch_run(batch_id).status


@job()
def run_datasets_verify(actor_id: int | None, codes: list[str]) -> int:
    """Re-hash the stored rows of the given data sets against their seals (the 封存校验 page's 立即校验)."""
    from qingshan.orgs.models import User

    from .models import Dataset

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    report = services.datasets_verify(actor=None, datasets=Dataset.objects.filter(code__in=codes).order_by("code"),
                                      on_behalf_of=actor)
    return len(report.findings)
