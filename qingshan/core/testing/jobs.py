"""Run the queued background jobs in the test's own process, through the real database queue and the worker's
own claim-and-run step (no immediate backend that would hide the queue)."""
from qingshan.core.worker import run_one

TEST_WORKER = "test-worker"


def run_queued_jobs(limit: int = 100) -> int:
    """Run ready jobs until none is left (at most `limit`); returns how many ran."""
    ran = 0
    while ran < limit and run_one(TEST_WORKER):
        ran += 1
    return ran
