"""Appends from two transactions at once (PostgreSQL: SQLite has one writer at a time)."""
import threading
import time

import pytest
from django.db import connection, connections, transaction

from qingshan.audit.models import AuditChainHead, AuditEvent
from qingshan.audit.services import record_event
from qingshan.audit.verify import verify_chain
from qingshan.problems.choices import Action


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_first_appends_waits_and_builds_on_the_first():
    """The very first append creates the chain's head. One waiting for it must then read that head, not find none
    and create a second (a read whose snapshot predates the lock would)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer")
    assert not AuditChainHead.objects.exists()
    first_appended, release, errors = threading.Event(), threading.Event(), []

    def append(object_id: int, hold: bool) -> None:
        try:
            if not hold:
                first_appended.wait(10)
            with transaction.atomic():
                record_event(object_type="problems.problem", object_id=object_id, action=Action.URGE)
                if hold:
                    first_appended.set()
                    release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(1, True)), threading.Thread(target=append, args=(2, False))]
    for thread in threads:
        thread.start()
    first_appended.wait(10)
    time.sleep(0.5)  # the second is now waiting for the chain
    release.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "object_id")) == [(1, 1), (2, 2)]
    assert verify_chain() == []
