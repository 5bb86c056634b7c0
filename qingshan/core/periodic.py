"""Run one pass of a periodic job, once (for cron) or in a loop that stops cleanly on SIGTERM/SIGINT.

Used by the scheduled jobs' command (`run_scheduled --loop`, and its aliases `sweep --loop`, `run_models --loop`): a
signal lets the pass in hand finish (each pass commits or rolls back its own batches), then the loop leaves instead
of waiting the interval.
"""
import signal
import threading
from collections.abc import Callable

from django.db import close_old_connections


def run_periodically(one_pass: Callable[[Callable[[], bool]], str], *, loop: bool, interval: float,
                     write: Callable[[str], None]) -> None:
    """Call `one_pass(should_stop)` and write the summary it returns (if any); with `loop`, again every `interval`
    seconds until SIGTERM or SIGINT."""
    stop = threading.Event()
    if loop:
        def on_signal(signum: int, frame: object) -> None:
            stop.set()
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    while True:
        summary = one_pass(stop.is_set)
        if summary:
            write(summary)
        if not loop or stop.is_set():
            return
        close_old_connections()  # a long-lived process must not keep a connection the database has dropped
        stop.wait(interval)
        if stop.is_set():
            return
