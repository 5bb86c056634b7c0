"""Every write of the ledgers app: an export is recorded in the audit log with who exported what."""
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from qingshan.access.actors import ActorProfile, profile_of
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User

from .excel import write_ledger
from .selectors import LedgerQuery, ledger_query, ledger_values
from .specs import LedgerSpec, all_columns

EXPORT_OBJECT = "ledgers.export"
CHUNK_SIZE = 2000  # rows per fetch from the server-side cursor: memory stays flat, round trips few


@dataclass
class LedgerExport:
    """A written workbook waiting to be sent; the caller streams it and then deletes the file."""

    path: str
    filename: str
    rows: int


def check_exporter(actor: User, spec: LedgerSpec, params: Mapping[str, Any] | None) -> tuple[ActorProfile, LedgerQuery]:
    """The checks every export makes before writing: the actor belongs to an organisation and the filters are
    valid; returns the actor's profile and the filtered query."""
    profile = profile_of(actor)
    if not profile.memberships:
        raise PermissionRefused("您没有所属单位，不能导出台账。")
    query = ledger_query(user=actor, spec=spec, params=params)
    if query.form.errors:
        raise ServiceError("筛选条件有误：" + "；".join(str(e) for errs in query.form.errors.values() for e in errs))
    return profile, query


def export_titles(*, actor: User, spec: LedgerSpec, query: LedgerQuery, now: dt.datetime) -> tuple[str, str, str]:
    """The workbook's title and subtitle rows and its file name."""
    title = f"{spec.label}台账"
    subtitle = (f"筛选条件：{query.form.describe()}　导出时间：{now:%Y-%m-%d %H:%M}　"
                f"导出人：{actor.full_name or actor.username}")
    return title, subtitle, f"{title}_{now:%Y%m%d_%H%M}.xlsx"


def write_query(path: str, *, spec: LedgerSpec, query: LedgerQuery, title: str, subtitle: str,
                progress: Callable[[int], None] | None = None) -> int:
    """Write the query's rows to `path`; `progress(rows)` is called every CHUNK_SIZE rows. Call it inside a
    transaction: on PostgreSQL the server-side cursor then streams (outside one Django declares it WITH HOLD, and
    PostgreSQL would run the whole query and store its result before the first row came back)."""
    def rows() -> Iterator[tuple]:
        for count, row in enumerate(ledger_values(query).iterator(chunk_size=CHUNK_SIZE), start=1):
            yield row[1:]
            if progress is not None and count % CHUNK_SIZE == 0:
                progress(count)

    return write_ledger(path, title=title, subtitle=subtitle, columns=all_columns(spec), rows=rows())


def ledger_export(*, actor: User, spec: LedgerSpec, params: Mapping[str, Any] | None = None,
                  now: dt.datetime | None = None) -> LedgerExport:
    """Write the ledger rows `actor` may see under `params` to a temporary .xlsx and record the export."""
    profile, query = check_exporter(actor, spec, params)
    now = timezone.localtime(now or timezone.now())
    title, subtitle, filename = export_titles(actor=actor, spec=spec, query=query, now=now)
    handle, path = tempfile.mkstemp(prefix="ledger-", suffix=".xlsx")
    os.close(handle)
    try:
        # One query whatever the size: a server-side cursor on PostgreSQL, fetched CHUNK_SIZE rows at a time (see
        # write_query). The chain lock is taken only at the end.
        with transaction.atomic():
            count = write_query(path, spec=spec, query=query, title=title, subtitle=subtitle)
            record_event(object_type=EXPORT_OBJECT, object_id=spec.number, action="export", actor=actor,
                         actor_org=profile.memberships[0].organisation, internal=True,
                         payload={"ledger": spec.code, "filters": query.form.describe(), "rows": count})
    except BaseException:
        os.unlink(path)
        raise
    return LedgerExport(path=path, filename=filename, rows=count)
