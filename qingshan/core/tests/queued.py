"""A job for the worker's own tests (a task must be importable by its path, as the worker finds it)."""
from qingshan.core.jobs import job

INTERRUPTED: list[str] = []


@job(on_interrupted=lambda text: INTERRUPTED.append(text))
def echo(text: str) -> str:
    return text.upper()
