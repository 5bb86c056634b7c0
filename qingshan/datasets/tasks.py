"""The data sets' background job: an import batch, run by the worker (`manage.py run_worker`), never the web process."""
from qingshan.core.jobs import job

from . import services


@job(on_interrupted=lambda batch_id: services.batch_interrupted(batch_id))
def run_import_batch(batch_id: int) -> str:
    """Read, validate and store one queued batch (the bounded spreadsheet read happens here, in the worker)."""
    return services.batch_run(batch_id).status
