"""Large batches of audit events (the demo generator, imports) are written as plain rows, not through the ORM: the
chain they leave must be the very chain the ORM would have written, hash by hash, and it must verify."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from qingshan.audit.models import AuditChainHead, AuditEvent
from qingshan.audit.services import BULK_THRESHOLD, EventSpec, record_events
from qingshan.audit.verify import verify_chain
from qingshan.core.middleware import current_request_id
from qingshan.problems.choices import Action, State
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

CST = ZoneInfo("Asia/Shanghai")
COLUMNS = ("seq", "created_at", "actor_id", "actor_name", "actor_org_id", "object_type", "object_id", "action",
           "from_state", "to_state", "reason", "payload", "internal", "request_id", "prev_hash", "hash")


class _Rollback(Exception):
    pass


def specs_for(world, count: int) -> list[EventSpec]:
    """Events as varied as real ones: Chinese text, characters COPY must escape, nested payloads, system actor."""
    payloads = [
        {"lead_unit": "市生态环境局", "co_units": ["市水务局"], "handle_deadline": "2026-03-20"},
        {"on_time": True, "count": 3, "nested": {"b": 1, "a": [1.5, None, "“引号”"]}},
        {},
        None,
    ]
    actors = [(world.officer, world.office), (world.eco_handler, world.eco), (None, None)]
    reasons = ["", "经现场核查，问题属实。", "第一行\n第二行\t制表符 \\反斜杠\\N 与 \r 回车"]
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)
    specs = []
    for i in range(count):
        actor, org = actors[i % len(actors)]
        specs.append(EventSpec(
            object_type="problems.problem", object_id=1000 + i % 7, action=Action.URGE if i % 2 else Action.SHARE,
            actor=actor, actor_org=org, from_state=State.IN_PROGRESS, to_state=State.IN_PROGRESS,
            reason=reasons[i % len(reasons)], payload=payloads[i % len(payloads)], internal=i % 5 == 0,
            # whole seconds on some events: SQLite stores those without a fraction, as Django does
            created_at=start + dt.timedelta(minutes=i, microseconds=0 if i % 3 else 123_456 + i),
        ))
    return specs


def chain_after(write) -> tuple[list[tuple], tuple, list]:
    """The events `write()` appends (each with its stored timestamp and payload appended), the chain head and the
    verifier's findings; everything is rolled back."""
    before = AuditEvent.objects.count()
    result = None
    try:
        with transaction.atomic():
            write()
            events = list(AuditEvent.objects.order_by("seq").values_list(*COLUMNS)[before:])
            with connection.cursor() as cursor:  # as stored, not as read back: SQLite compares dates as text
                cursor.execute("SELECT created_at, payload FROM audit_auditevent ORDER BY seq")
                events = [(*e, *raw) for e, raw in zip(events, cursor.fetchall()[before:], strict=True)]
            head = AuditChainHead.objects.values_list("seq", "hash").get(pk=1)
            result = events, head, verify_chain()
            raise _Rollback
    except _Rollback:
        pass
    return result


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=True)


@pytest.fixture
def request_id():
    token = current_request_id.set("bulk-test-request")
    yield "bulk-test-request"
    current_request_id.reset(token)


def test_a_bulk_batch_is_the_chain_one_by_one_writes_would_leave(world, request_id):
    drive_to(world, State.CLOSED)  # the batch continues a chain that the services started
    specs = specs_for(world, BULK_THRESHOLD * 3 + 1)

    one_by_one, head_one, findings_one = chain_after(lambda: [record_events([spec]) for spec in specs])
    bulk, head_bulk, findings_bulk = chain_after(lambda: record_events(specs))

    assert findings_one == [] and findings_bulk == []
    assert len(bulk) == len(specs)
    digest = COLUMNS.index("hash")
    assert [e[digest] for e in bulk] == [e[digest] for e in one_by_one]  # hash by hash
    assert bulk == one_by_one  # and every value, as read back and as stored
    assert head_bulk == head_one == (bulk[-1][0], bulk[-1][digest])
    assert {e[COLUMNS.index("request_id")] for e in bulk} == {request_id}
    assert bulk[2][COLUMNS.index("actor_name")] == "系统"
    assert bulk[2][COLUMNS.index("reason")] == "第一行\n第二行\t制表符 \\反斜杠\\N 与 \r 回车"
    assert bulk[3][COLUMNS.index("payload")] == {}  # None is stored as an empty payload, as by the ORM
    assert bulk[1][COLUMNS.index("payload")] == {"on_time": True, "count": 3,
                                                 "nested": {"b": 1, "a": [1.5, None, "“引号”"]}}


def test_services_append_after_a_bulk_batch_and_the_chain_still_verifies(world):
    drive_to(world, State.DISPATCHED)
    record_events(specs_for(world, BULK_THRESHOLD + 1))
    drive_to(world, State.REPLIED)
    assert verify_chain() == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.django_db(transaction=True)
def test_a_bulk_batch_outside_a_transaction_is_refused_and_writes_nothing():
    specs = [EventSpec(object_type="problems.problem", object_id=1, action=Action.URGE,
                       created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))] * (BULK_THRESHOLD + 1)
    with pytest.raises(RuntimeError):
        record_events(specs)
    assert not AuditEvent.objects.exists()
