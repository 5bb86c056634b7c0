"""The audit chain (domain §11): intact verifies clean; each kind of tampering is found and named."""
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from qingshan.audit.anchor import write_anchor
from qingshan.audit.chain import event_digest
from qingshan.audit.models import AuditEvent
from qingshan.audit.tests.checks import found, run_command
from qingshan.audit.verify import DELETED, EDITED, INSERTED, REORDERED, verify_chain
from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=True)


@pytest.fixture
def chain(world):
    """Two problems taken to the end of the work loop: a dozen genuine events, seq 1..N."""
    drive_to(world, State.CLOSED)
    drive_to(world, State.IN_PROGRESS)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 10
    return seqs




def forge(seq: int, prev_hash: str) -> AuditEvent:
    """A row written straight into the table, as by someone with database access but without the HMAC key."""
    return AuditEvent.objects.create(
        seq=seq, created_at=timezone.now(), object_type="problems.problem", object_id=1, action="approve",
        from_state=State.REPLIED, to_state=State.CLOSED, reason="审核通过", prev_hash=prev_hash, hash="f" * 64,
    )


def test_an_intact_chain_verifies_clean(chain):
    assert verify_chain() == []
    write_anchor(seq=chain[-1], digest=AuditEvent.objects.get(seq=chain[-1]).hash, count=len(chain))
    code, out, err = run_command()
    assert code == 0
    assert out.strip() == f"审计链完整：共 {len(chain)} 条事件，未发现篡改（已对照锚点：序号 {chain[-1]}）。"
    assert err == ""


def test_an_empty_log_verifies_clean(db):
    assert verify_chain() == []


def test_an_edited_event_is_found(chain):
    AuditEvent.objects.filter(seq=3).update(reason="已按要求整改（篡改后）")
    assert found() == [(3, EDITED)]


def test_an_edited_newest_event_is_found(chain):
    AuditEvent.objects.filter(seq=chain[-1]).update(payload={"on_time": True})
    assert found() == [(chain[-1], EDITED)]


def test_an_edited_timestamp_is_found(chain):
    event = AuditEvent.objects.get(seq=5)
    AuditEvent.objects.filter(seq=5).update(created_at=event.created_at - dt.timedelta(days=3))
    assert found() == [(5, EDITED)]


def test_a_deleted_event_in_the_middle_is_found(chain):
    AuditEvent.objects.filter(seq=4).delete()
    assert found() == [(5, DELETED)]


def test_deleted_first_events_are_found(chain):
    AuditEvent.objects.filter(seq__lte=2).delete()
    assert found() == [(3, DELETED)]


def test_a_deleted_newest_event_is_found(chain):
    AuditEvent.objects.filter(seq=chain[-1]).delete()
    assert found() == [(chain[-1], DELETED)]


def test_an_inserted_event_at_the_end_is_found(chain):
    newest = AuditEvent.objects.get(seq=chain[-1])
    forge(chain[-1] + 1, newest.hash)
    assert found() == [(chain[-1] + 1, INSERTED)]


def test_an_inserted_event_in_the_middle_is_found(chain):
    # Make room after seq 3 and slip a forged event in, linked to its predecessor as a real one would be.
    for seq in reversed(chain[3:]):
        AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
    forge(4, AuditEvent.objects.get(seq=3).hash)
    assert found() == [(4, INSERTED)]


def test_an_event_forged_with_a_guessed_key_is_found(chain):
    """Someone who can write rows but lacks the HMAC key cannot make a hash that verifies."""
    newest = AuditEvent.objects.get(seq=chain[-1])
    created = timezone.now().astimezone(dt.UTC)
    fields = dict(prev_hash=newest.hash, created_at=created.isoformat(timespec="microseconds"), actor_id=None,
                  actor_org_id=None, object_type="problems.problem", object_id=1, action="approve",
                  from_state="replied", to_state="closed", reason="", payload={}, internal=False, request_id="")
    with override_settings(AUDIT_HMAC_KEY="guessed"):
        digest = event_digest(**fields)
    AuditEvent.objects.create(seq=chain[-1] + 1, created_at=created, object_type="problems.problem", object_id=1,
                              action="approve", from_state="replied", to_state="closed", prev_hash=newest.hash,
                              hash=digest)
    assert found() == [(chain[-1] + 1, INSERTED)]


def test_a_reordered_pair_is_found(chain):
    # Swap the seq numbers of events 4 and 5 (through a free number: seq is unique).
    AuditEvent.objects.filter(seq=4).update(seq=-4)
    AuditEvent.objects.filter(seq=5).update(seq=4)
    AuditEvent.objects.filter(seq=-4).update(seq=5)
    assert found() == [(4, REORDERED)]


def test_verify_command_fails_loudly_in_chinese_on_tampering(chain):
    AuditEvent.objects.filter(seq=3).update(reason="篡改")
    AuditEvent.objects.filter(seq=chain[-1]).delete()
    code, out, err = run_command()
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "[内容篡改] 序号 3 的事件内容被篡改。",
        f"[事件删除] 链尾事件（序号 {chain[-1]}）缺失，最新的事件被删除。",
        f"审计链校验失败：2 处异常（共 {len(chain) - 1} 条事件）。",
    ]


def test_new_events_after_a_clean_check_still_verify(chain, world):
    assert verify_chain() == []
    drive_to(world, State.REPLIED)
    assert verify_chain() == []
