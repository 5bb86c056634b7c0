"""The instruments' background job: generating Word files, one instrument or a thousand in one batch."""
from qingshan.core.jobs import job

from . import services


@job(on_interrupted=lambda batch_id: services.batch_interrupted(batch_id))
def generate_documents(batch_id: int) -> str:
    """Generate the Word files of one queued batch, with progress."""
    return services.batch_run(batch_id).status
