"""Walk the chain and report every event that was edited, deleted, inserted or moved."""
from dataclasses import dataclass

from .chain import GENESIS, digest_of
from .models import AuditChainHead, AuditEvent


@dataclass
class Finding:
    seq: int
    kind: str  # edited | deleted | inserted | reordered | truncated
    message: str


def verify_chain(batch_size: int = 5000) -> list[Finding]:
    """Return the findings; an empty list means the chain is intact."""
    findings: list[Finding] = []
    hashes = set(AuditEvent.objects.values_list("hash", flat=True))
    expected_prev, expected_seq, last_seq = GENESIS, 1, 0
    events = AuditEvent.objects.order_by("seq", "id").iterator(chunk_size=batch_size)
    for event in events:
        authentic = digest_of(event) == event.hash
        if event.seq > expected_seq:
            findings.append(Finding(event.seq, "deleted",
                                    f"序号 {expected_seq}–{event.seq - 1} 的事件缺失（被删除）"))
        elif event.seq < expected_seq:
            findings.append(Finding(event.seq, "inserted", f"序号 {event.seq} 重复出现（有事件被插入）"))
        if not authentic:
            if event.prev_hash == expected_prev or event.hash in _successor_prev_hashes(event):
                findings.append(Finding(event.seq, "edited", f"序号 {event.seq} 的事件内容被篡改"))
            else:
                findings.append(Finding(event.seq, "inserted", f"序号 {event.seq} 的事件不是系统写入的（被插入）"))
        elif event.prev_hash != expected_prev:
            if event.prev_hash in hashes:
                findings.append(Finding(event.seq, "reordered", f"序号 {event.seq} 的事件顺序被调换"))
            elif event.seq <= expected_seq:
                findings.append(Finding(event.seq, "deleted", f"序号 {event.seq} 之前的事件被删除"))
        expected_prev, expected_seq, last_seq = event.hash, max(event.seq, expected_seq - 1) + 1, event.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.seq != last_seq or (head.hash != expected_prev and head.seq == last_seq)):
        findings.append(Finding(head.seq, "truncated",
                                f"链尾应为序号 {head.seq}，实际为 {last_seq}（末尾事件被删除或篡改）"))
    return findings


def _successor_prev_hashes(event) -> set[str]:
    nxt = AuditEvent.objects.filter(seq__gt=event.seq).order_by("seq").values_list("prev_hash", flat=True)[:1]
    return set(nxt)
