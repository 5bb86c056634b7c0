"""Signed checkpoints of the chain head, kept outside the database.

The chain proves that no event was changed and none removed from its middle, but whoever can write the table can
delete its newest events (or all of them) and move the head back: what is left is a shorter, valid chain. The
anchor file remembers how far the chain once reached. Each line is one checkpoint (seq, hash, count, time) signed
with the audit key, appended after a commit and by verify_audit; a database administrator without the key and
without write access to the file can neither forge nor rewind it.
"""
import datetime as dt
import fcntl
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .chain import mac

logger = logging.getLogger(__name__)
_last_write = [0.0]  # monotonic time of this process's last checkpoint (AUDIT_ANCHOR_INTERVAL throttles writes)


@dataclass(frozen=True)
class Anchor:
    """One checkpoint: the chain reached `seq` (whose event has `hash`) with `count` events, at `at`."""

    seq: int
    hash: str
    count: int
    at: str


def anchor_path() -> Path:
    """Where the checkpoints are appended (QINGSHAN_AUDIT_ANCHOR, default `<data dir>/audit-anchor`)."""
    return Path(settings.AUDIT_ANCHOR_PATH)


def _signature(seq: int, digest: str, count: int, at: str) -> str:
    return mac(json.dumps(["anchor", seq, digest, count, at], separators=(",", ":")))


def write_anchor(*, seq: int, digest: str, count: int) -> Anchor:
    """Append one signed checkpoint. Whole lines under an exclusive lock, so concurrent writers never interleave."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    anchor = Anchor(seq, digest, count, at)
    line = json.dumps({"seq": seq, "hash": digest, "count": count, "at": at,
                       "mac": _signature(seq, digest, count, at)}, separators=(",", ":")) + "\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # No fsync: the database does not sync every commit either (SQLite WAL, synchronous=NORMAL), and a
        # checkpoint that outlived the commit it records after a power cut would read as a truncation.
        os.write(fd, line.encode())
    finally:
        os.close(fd)  # closing releases the lock
    _last_write[0] = time.monotonic()
    return anchor


def anchor_after_commit(*, seq: int, digest: str, count: int) -> None:
    """Checkpoint a committed head (an on_commit callback). A failure is logged, never raised: the change it
    follows is already committed, and verify_audit reports how old the newest checkpoint is."""
    if time.monotonic() - _last_write[0] < settings.AUDIT_ANCHOR_INTERVAL:
        return
    try:
        write_anchor(seq=seq, digest=digest, count=count)
    except OSError:
        logger.exception("audit anchor could not be written to %s", anchor_path())


def read_anchors() -> tuple[list[Anchor], list[int]]:
    """The checkpoints whose signature holds, and the numbers of the lines whose signature does not."""
    try:
        text = anchor_path().read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    anchors, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchor = Anchor(int(data["seq"]), str(data["hash"]), int(data["count"]), str(data["at"]))
            valid = data["mac"] == _signature(anchor.seq, anchor.hash, anchor.count, anchor.at)
        except (ValueError, KeyError, TypeError):
            valid = False
        if valid:
            anchors.append(anchor)
        else:
            bad.append(number)
    return anchors, bad


def newest(anchors: list[Anchor]) -> Anchor | None:
    """The checkpoint that reached furthest (lines of concurrent writers may land out of order)."""
    return max(anchors, key=lambda a: (a.seq, a.count), default=None)
