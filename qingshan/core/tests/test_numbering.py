"""Official numbers: consecutive per series and year, never shared or skipped, given back on rollback."""
import threading

import pytest
from django.db import connection, connections, transaction

from qingshan.core.models import NumberSequence
from qingshan.core.numbering import last_number, take_number


@pytest.mark.django_db
def test_numbers_are_consecutive_per_series_and_year():
    with transaction.atomic():
        assert [take_number("clue:1", 2026) for _ in range(3)] == [1, 2, 3]
        assert take_number("clue:2", 2026) == 1
        assert take_number("clue:1", 2027) == 1
    assert last_number("clue:1", 2026) == 3
    assert last_number("clue:9", 2026) == 0


@pytest.mark.django_db
def test_a_rolled_back_registration_gives_its_number_back():
    with transaction.atomic():
        take_number("letter:1", 2026)
    with pytest.raises(ValueError), transaction.atomic():
        take_number("letter:1", 2026)
        raise ValueError("the registration failed after taking its number")
    with transaction.atomic():
        assert take_number("letter:1", 2026) == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        take_number("clue:1", 2026)
    assert not NumberSequence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_or_skip_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; concurrent numbering needs PostgreSQL row locks")
    workers, each = 8, 10
    barrier, taken, errors = threading.Barrier(workers), [], []

    def register():
        try:
            barrier.wait()  # all start together, so the first row is created under contention
            for _ in range(each):
                with transaction.atomic():
                    taken.append(take_number("clue:1", 2026))
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(taken) == list(range(1, workers * each + 1))
