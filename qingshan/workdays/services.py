"""Writes to the holiday table: a year's arrangement entered from the State Council notice."""
import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError

from .calendar import covered_years, provisional_years, reset_cache
from .models import CalendarYear, SpecialDay
from .notice import Arrangement

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from qingshan.orgs.models import User


def may_enter_calendar(user: "User | AnonymousUser | None") -> bool:
    """Administrators who may add holiday years (the Django admin permission; superusers have every one)."""
    return bool(user and user.is_active and user.has_perm("workdays.add_calendaryear"))


def next_year_missing(today: dt.date) -> int | None:
    """From November, next year when its arrangement is not entered or only provisional; else None."""
    year = today.year + 1
    if today.month >= 11 and (year not in covered_years() or year in provisional_years()):
        return year
    return None


def missing_message(year: int) -> str:
    """What administrators are told while `year`'s arrangement is missing or provisional."""
    return (f"{year}年的节假日安排尚未录入（或仅为暂定安排）。国务院办公厅通知发布后，请在“工作日历”中粘贴通知全文"
            f"录入，否则{year}年的工作日期限将无法计算或被标为暂定。")


@transaction.atomic
def enter_arrangement(*, actor: "User", arrangement: Arrangement) -> CalendarYear:
    """Save a reviewed arrangement as the year's confirmed calendar.

    A provisional year is replaced (its special days go, the notice's come in); a confirmed one is refused, so a
    second paste cannot silently overwrite checked data.
    """
    if not may_enter_calendar(actor):
        raise PermissionRefused("只有系统管理员可以录入节假日安排。")
    year = arrangement.year
    holidays, workdays = arrangement.holidays(), arrangement.makeup_workdays()
    if not holidays:
        raise ServiceError(f"{year}年的安排中没有工作日放假的日期，请核对通知全文。")
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and not existing.is_provisional:
        raise ServiceError(f"{year}年的节假日安排已经录入并确认，如需更正请在“节假日与调休”中逐日修改。")
    replaced = SpecialDay.objects.filter(date__year=year).delete()[0] if existing else 0
    if existing is None:
        calendar_year = CalendarYear.objects.create(year=year, source=arrangement.source, is_provisional=False)
    else:
        calendar_year = existing
        calendar_year.source, calendar_year.is_provisional = arrangement.source, False
        calendar_year.save(update_fields=["source", "is_provisional"])
    SpecialDay.objects.bulk_create(
        [SpecialDay(date=d, kind=SpecialDay.HOLIDAY, name=name) for d, name in holidays]
        + [SpecialDay(date=d, kind=SpecialDay.WORKDAY, name=name) for d, name in workdays])
    record_event(object_type="calendar_year", object_id=calendar_year.pk, action="enter_from_notice", actor=actor,
                 from_state="provisional" if existing else "", to_state="confirmed", reason=arrangement.source,
                 payload={"holidays": [d.isoformat() for d, _ in holidays],
                          "makeup_workdays": [d.isoformat() for d, _ in workdays], "replaced_days": replaced})
    # bulk_create and delete() of a queryset send no per-row signals the cache listens to.
    transaction.on_commit(reset_cache)
    reset_cache()
    return calendar_year
