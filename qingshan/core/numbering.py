"""Gap-free official numbers (线索编号, 青纪建〔2026〕3号): one counter row per (series, year), taken under a row lock
in the caller's transaction, so two concurrent registrations never share or skip a number and a rolled-back
registration gives its number back. A number once used is never reissued: an app that voids a document keeps the
voided record (and its number) rather than deleting it.

    with transaction.atomic():
        seq = take_number(f"clue:{commission.pk}", 2026)     # 1, 2, 3 … per series and year
"""
from django.db import IntegrityError, transaction

from .models import NumberSequence


def take_number(series: str, year: int) -> int:
    """The next number of `series` in `year`; must run inside the transaction that stores the numbered record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number() must run inside the transaction that stores the numbered record")
    counter = NumberSequence.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first registration may create the row first
                NumberSequence.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass
        counter = NumberSequence.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def last_number(series: str, year: int) -> int:
    """The highest number taken so far (0 when none): for the admin and for tests."""
    return NumberSequence.objects.filter(series=series, year=year).values_list("last", flat=True).first() or 0
