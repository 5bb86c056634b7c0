"""A model run's wall-clock limit. DuckDB has no statement timeout: a timer interrupts the engine's query in hand
(`connection.interrupt()`), the run fails with a clear message and its hits' transaction rolls back whole."""
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Engine


class RunTimedOut(Exception):
    """The run's time was up before its engine could start a query."""


class RunDeadline:
    """`with RunDeadline(seconds) as deadline:` … `deadline.watch(engine)`; after a timeout, `deadline.message`."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.fired = False
        self._ends = time.monotonic() + seconds
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._engine is not None:
                self._engine.interrupt()

    def watch(self, engine: "Engine") -> None:
        """The engine whose query the timer stops; refused at once when the time is already up (an interrupt
        reaches only a query in progress)."""
        with self._lock:
            if self.fired or time.monotonic() >= self._ends:
                self.fired = True
                raise RunTimedOut
            self._engine = engine

    @property
    def message(self) -> str | None:
        """The run's error when its time ran out, else None."""
        if not self.fired:
            return None
        return f"运行超过{self.seconds:g}秒，已中止。请缩小模型的数据范围，或联系管理员调整运行时限。"

    def __enter__(self) -> "RunDeadline":
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._lock:
            self._timer.cancel()
            self._engine = None
