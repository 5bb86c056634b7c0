"""Concurrent issuing on PostgreSQL: no gap, no duplicate, and a voided number stays voided (never reissued)."""
import re
import threading

import pytest
from django.db import connection, connections

from qingshan.instruments import services
from qingshan.instruments.choices import State
from qingshan.instruments.models import Instrument
from qingshan.instruments.testing.flows import draft


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_never_shares_or_skips_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; concurrent numbering needs PostgreSQL row locks")
    from qingshan.problems.testing.world import build_world

    w = build_world()
    workers, each = 6, 4
    drafts = [[draft(w) for _ in range(each)] for _ in range(workers)]
    barrier, errors = threading.Barrier(workers), []

    def issue(mine):
        try:
            barrier.wait()
            for position, instrument in enumerate(mine):
                services.instrument_issue(actor=w.officer, instrument=instrument)
                if position == 1:
                    services.instrument_void(actor=w.officer, instrument=instrument, reason="重复印发")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(mine,)) for mine in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(Instrument.objects.values_list("serial", "number", "state"))
    serials = sorted(serial for serial, _number, _state in rows)
    assert serials == list(range(1, workers * each + 1))  # no gap, no duplicate
    for serial, number, _state in rows:
        assert re.fullmatch(rf"青纪建〔\d{{4}}〕{serial}号", number)
    voided = {serial for serial, _number, state in rows if state == State.VOIDED}
    assert len(voided) == workers
    # The next one issued takes a new number; the voided ones stay voided with theirs.
    following = services.instrument_issue(actor=w.officer, instrument=draft(w))
    assert following.serial == workers * each + 1
    assert set(Instrument.objects.filter(state=State.VOIDED).values_list("serial", flat=True)) == voided
