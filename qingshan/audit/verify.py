"""Walk the chain and report every event that was edited, deleted, inserted or moved.

The order that counts is the one the hashes fix: each event names its predecessor's hash, and only the holder of
the HMAC key can write an event whose hash matches its content. `seq` is a label on top of that order, so:
- content that no longer matches its hash, on an event the chain runs through: edited;
- content that does not match a hash nothing builds on: a row the system never wrote, inserted;
- a predecessor hash that belongs to no event (or a chain head that does): deleted;
- a predecessor that carries a later seq than the event itself: reordered;
- a seq missing from 1..N that no broken link explains: renumbered (seq is the count, it must not have gaps);
- fewer events, or another event at the anchored seq, than the newest signed checkpoint outside the database
  (audit/anchor.py) records: truncated; no events at all where a checkpoint records some: wiped.
"""
from dataclasses import dataclass

from .anchor import Anchor, newest, read_anchors
from .chain import GENESIS, digest_of
from .models import AuditChainHead, AuditEvent

EDITED, DELETED, INSERTED, REORDERED = "edited", "deleted", "inserted", "reordered"
RENUMBERED, TRUNCATED, WIPED, FORGED_ANCHOR = "renumbered", "truncated", "wiped", "forged_anchor"
KIND_LABELS = {EDITED: "内容篡改", DELETED: "事件删除", INSERTED: "事件插入", REORDERED: "顺序调换",
               RENUMBERED: "序号篡改", TRUNCATED: "事件截断", WIPED: "日志清空", FORGED_ANCHOR: "锚点篡改"}


@dataclass(frozen=True)
class Finding:
    """One sign of tampering, found at the event numbered `seq`."""

    seq: int
    kind: str  # EDITED | DELETED | INSERTED | REORDERED
    message: str

    @property
    def label(self) -> str:
        """The kind in words a user reads."""
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Result:
    """What a check found, how many events it read, and the newest checkpoint it compared them with."""

    findings: list[Finding]
    total: int
    anchor: Anchor | None
    last_seq: int
    last_hash: str


def verify_chain(batch_size: int = 5000) -> list[Finding]:
    """Return the findings in chain order; an empty list means the chain is intact."""
    return verify_log(batch_size).findings


def verify_log(batch_size: int = 5000) -> Result:
    """Check every event, the seq numbering and the table against the newest checkpoint outside the database."""
    # The checkpoints first: they trail the commits, so a table read afterwards has reached at least as far.
    anchors, bad_lines = read_anchors()
    head = AuditChainHead.objects.filter(pk=1).first()  # before the events, for the same reason
    # Pass 1, links only: the seq of every hash, and every hash something builds on (a successor or the head).
    seq_of: dict[str, int] = {GENESIS: 0}
    built_on: set[str] = set()
    gaps: list[tuple[int, int]] = []  # (first missing seq, next present seq)
    last_seq, last_hash = 0, GENESIS
    for seq, digest, prev in AuditEvent.objects.order_by("seq").values_list("seq", "hash", "prev_hash").iterator(
            chunk_size=batch_size):
        seq_of[digest] = seq
        built_on.add(prev)
        if seq != last_seq + 1:
            gaps.append((last_seq + 1, seq))
        last_seq, last_hash = seq, digest
    if head is not None:
        built_on.add(head.hash)

    # Pass 2: each event's content against its hash, and its link to its predecessor.
    findings: list[Finding] = []
    # Only what pass 1 saw: events appended meanwhile are checked next time, not mistaken for forgeries.
    for event in AuditEvent.objects.filter(seq__lte=last_seq).order_by("seq").iterator(chunk_size=batch_size):
        if digest_of(event) != event.hash:
            if event.hash not in built_on:
                findings.append(Finding(event.seq, INSERTED, f"序号 {event.seq} 的事件不是系统写入的（被插入）。"))
                continue  # a forged row's link says nothing about the genuine chain
            findings.append(Finding(event.seq, EDITED, f"序号 {event.seq} 的事件内容被篡改。"))
        prev_seq = seq_of.get(event.prev_hash)
        if prev_seq is None:
            findings.append(Finding(event.seq, DELETED, f"序号 {event.seq} 的前一事件缺失（被删除）。"))
        elif prev_seq >= event.seq:
            findings.append(Finding(event.seq, REORDERED,
                                    f"序号 {event.seq} 的事件排在其前一事件（序号 {prev_seq}）之前，顺序被调换。"))

    if head is None:
        if len(seq_of) > 1:
            findings.append(Finding(0, DELETED, "审计链头记录缺失（被删除），无法确认最新事件是否完整。"))
    elif head.seq and head.hash not in seq_of:
        findings.append(Finding(head.seq, DELETED, f"链尾事件（序号 {head.seq}）缺失，最新的事件被删除。"))

    explained = {f.seq for f in findings if f.kind == DELETED}
    for first, present in gaps:
        if present not in explained:
            findings.append(Finding(present, RENUMBERED,
                                    f"序号 {first}–{present - 1} 不存在：事件序号被改动，序号应从 1 起连续。"))
    total = len(seq_of) - 1
    anchor = newest(anchors)
    findings += [Finding(0, FORGED_ANCHOR, f"锚点文件第 {n} 行的签名无效（锚点被改动或伪造）。") for n in bad_lines]
    findings += _against_anchor(anchor, total, last_seq, seq_of)
    return Result(findings, total, anchor, last_seq, last_hash)


def _against_anchor(anchor: Anchor | None, total: int, last_seq: int, seq_of: dict[str, int]) -> list[Finding]:
    """The table must reach at least as far as the newest checkpoint, through the very event it recorded."""
    if anchor is None or anchor.seq == 0:
        return []
    at = anchor.at.replace("T", " ").replace("+00:00", " UTC")
    if total == 0:
        return [Finding(anchor.seq, WIPED, f"审计日志被清空：表中已无事件，而 {at} 的锚点记录了 {anchor.count} 条事件"
                                           f"（最新序号 {anchor.seq}）。")]
    if last_seq < anchor.seq or total < anchor.count:
        return [Finding(anchor.seq, TRUNCATED,
                        f"最新的事件被删除：表中现有 {total} 条事件、最新序号 {last_seq}，而 {at} 的锚点记录了 "
                        f"{anchor.count} 条、最新序号 {anchor.seq}"
                        f"（至少 {anchor.seq - last_seq} 条被删除，链头被回退）。")]
    if seq_of.get(anchor.hash) != anchor.seq:
        return [Finding(anchor.seq, TRUNCATED,
                        f"序号 {anchor.seq} 的事件与 {at} 的锚点记录不符：之后的事件被删除，链从该处被重写。")]
    return []
