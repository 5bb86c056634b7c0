"""Tampering that leaves a valid, shorter chain (issue 9, defect 1): the newest events deleted and the head moved
back, every event deleted, a name the timeline shows changed. The chain alone cannot see the first two; the signed
checkpoints outside the database (audit/anchor.py) and MAC version 2 (audit/chain.py) do."""
import json
import threading

import pytest
from django.db import transaction

from qingshan.audit.anchor import anchor_after_commit, anchor_path, newest, read_anchors, write_anchor
from qingshan.audit.chain import MAC_VERSION
from qingshan.audit.models import AuditChainHead, AuditEvent
from qingshan.audit.services import EventSpec, record_event, record_events
from qingshan.audit.tests.checks import found, run_command
from qingshan.audit.verify import EDITED, FORGED_ANCHOR, RENUMBERED, TRUNCATED, WIPED, verify_chain
from qingshan.problems.choices import Action


@pytest.fixture
def log(world):
    """1,200 genuine events, checkpointed by a first verify_audit (which warns: there was no checkpoint yet)."""
    record_events([EventSpec(object_type="problems.problem", object_id=i % 9 + 1, action=Action.URGE,
                             actor=world.officer, actor_org=world.office, reason=f"第{i}次催办")
                   for i in range(1200)])
    code, out, err = run_command()
    assert code == 2 and out == "审计链内部一致：共 1200 条事件（无锚点可对照，见警告）。\n"
    assert err.startswith(f"警告：未找到审计锚点（{anchor_path()}），无法判断最新的事件是否被整体删除")
    return 1200


def test_a_clean_anchored_chain_verifies_and_checkpoints_again(log):
    code, out, err = run_command()
    assert (code, err) == (0, "")
    assert out == "审计链完整：共 1200 条事件，未发现篡改（已对照锚点：序号 1200）。\n"
    anchors, bad = read_anchors()
    assert bad == [] and [a.seq for a in anchors] == [1200, 1200]


def test_deleting_the_newest_thousand_events_and_moving_the_head_back_is_found(log):
    AuditEvent.objects.filter(seq__gt=200).delete()
    last = AuditEvent.objects.get(seq=200)
    AuditChainHead.objects.filter(pk=1).update(seq=200, hash=last.hash)
    assert found() == [(1200, TRUNCATED)]
    code, out, err = run_command()
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith("[事件截断] 最新的事件被删除：表中现有 200 条事件、最新序号 200，而 ")
    assert lines[0].endswith("的锚点记录了 1200 条、最新序号 1200（至少 1000 条被删除，链头被回退）。")
    assert lines[1] == "审计链校验失败：1 处异常（共 200 条事件）。"


def test_truncating_then_writing_on_is_found(log, world):
    """New events after a truncation make the chain long again, but not through the anchored event."""
    AuditEvent.objects.filter(seq__gt=200).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=200, hash=AuditEvent.objects.get(seq=200).hash)
    record_events([EventSpec(object_type="problems.problem", object_id=1, action=Action.URGE, actor=world.officer)
                   for _ in range(1000)])
    assert found() == [(1200, TRUNCATED)]


def test_deleting_every_event_and_the_head_is_found(log):
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    assert found() == [(1200, WIPED)]
    code, out, err = run_command()
    assert code == 1 and "共 0 条事件，未发现篡改" not in out + err
    assert err.splitlines()[0].startswith("[日志清空] 审计日志被清空：表中已无事件，而 ")
    assert err.splitlines()[0].endswith("的锚点记录了 1200 条事件（最新序号 1200）。")


def test_a_wipe_with_no_checkpoint_is_a_warning_not_success(db):
    code, out, err = run_command()
    assert code == 2 and "未发现篡改" not in out and err.startswith("警告：未找到审计锚点")


def test_renumbering_events_is_found(log):
    AuditEvent.objects.filter(seq=1200).update(seq=1500)
    assert (1500, RENUMBERED) in found()


def test_a_changed_actor_name_is_found(world):
    """A reporter reveal must keep showing who revealed: the name and unit the timeline shows are signed."""
    event = record_event(object_type="problems.problem", object_id=1, action=Action.REVEAL_REPORTER,
                         actor=world.xinfang, actor_org=world.office, reason="回访核实", internal=True)
    assert event.mac_version == MAC_VERSION and event.actor_org_name == str(world.office)
    assert verify_chain() == []
    AuditEvent.objects.filter(pk=event.pk).update(actor_name=str(world.officer))
    assert found() == [(event.seq, EDITED)]
    AuditEvent.objects.filter(pk=event.pk).update(actor_name=event.actor_name, actor_org_name="市生态环境局")
    assert found() == [(event.seq, EDITED)]


def test_a_signed_event_relabelled_as_version_one_is_found(world):
    event = record_event(object_type="problems.problem", object_id=1, action=Action.REVEAL_REPORTER,
                         actor=world.xinfang, actor_org=world.office, reason="回访核实")
    AuditEvent.objects.filter(pk=event.pk).update(mac_version=1, actor_name="别人")
    assert found() == [(event.seq, EDITED)]


def test_version_one_events_still_verify(world):
    """Events written before names were signed verify the old way (and their names are not covered)."""
    from qingshan.audit.chain import digest_of
    event = record_event(object_type="problems.problem", object_id=1, action=Action.URGE, actor=world.officer)
    event.mac_version = 1
    AuditEvent.objects.filter(pk=event.pk).update(mac_version=1, hash=digest_of(event))
    AuditChainHead.objects.filter(pk=1).update(hash=digest_of(event))
    assert verify_chain() == []


def test_a_forged_checkpoint_is_found(log):
    path = anchor_path()
    line = json.loads(path.read_text().splitlines()[-1])
    path.write_text(path.read_text() + json.dumps({**line, "seq": 5000, "count": 5000}) + "\n")
    assert found() == [(0, FORGED_ANCHOR)]
    assert newest(read_anchors()[0]).seq == 1200


def test_a_commit_writes_a_checkpoint(transactional_db, world):
    with transaction.atomic():
        record_event(object_type="problems.problem", object_id=1, action=Action.URGE, actor=world.officer)
        assert read_anchors() == ([], [])  # not before the commit: a rolled-back event must not be anchored
    anchors, _ = read_anchors()
    assert [(a.seq, a.count) for a in anchors] == [(1, 1)]
    assert anchors[0].hash == AuditEvent.objects.get(seq=1).hash


def test_concurrent_checkpoints_are_whole_lines(db):
    def writer(start: int):
        for seq in range(start, start + 50):
            anchor_after_commit(seq=seq, digest=f"{seq:064x}", count=seq)

    threads = [threading.Thread(target=writer, args=(n * 1000,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    anchors, bad = read_anchors()
    assert bad == [] and len(anchors) == 400
    assert newest(anchors).seq == 8049
    assert write_anchor(seq=1, digest="0" * 64, count=1) and newest(read_anchors()[0]).seq == 8049
