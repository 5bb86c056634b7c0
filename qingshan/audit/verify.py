"""Walk the chain and report every event that was edited, deleted, inserted or moved.

The order that counts is the one the hashes fix: each event names its predecessor's hash, and only the holder of
the HMAC key can write an event whose hash matches its content. `seq` is a label on top of that order, so:
- content that no longer matches its hash, on an event the chain runs through: edited;
- content that does not match a hash nothing builds on: a row the system never wrote, inserted;
- a predecessor hash that belongs to no event (or a chain head that does): deleted;
- a predecessor that carries a later seq than the event itself: reordered.
"""
from dataclasses import dataclass

from .chain import GENESIS, digest_of
from .models import AuditChainHead, AuditEvent

EDITED, DELETED, INSERTED, REORDERED = "edited", "deleted", "inserted", "reordered"
KIND_LABELS = {EDITED: "内容篡改", DELETED: "事件删除", INSERTED: "事件插入", REORDERED: "顺序调换"}


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


def verify_chain(batch_size: int = 5000) -> list[Finding]:
    """Return the findings in chain order; an empty list means the chain is intact."""
    # Pass 1, links only: the seq of every hash, and every hash something builds on (a successor or the head).
    seq_of: dict[str, int] = {GENESIS: 0}
    built_on: set[str] = set()
    for seq, digest, prev in AuditEvent.objects.values_list("seq", "hash", "prev_hash").iterator(
            chunk_size=batch_size):
        seq_of[digest] = seq
        built_on.add(prev)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None:
        built_on.add(head.hash)

    # Pass 2: each event's content against its hash, and its link to its predecessor.
    findings: list[Finding] = []
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
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
    return findings
