"""Every write of the ledgers app: an export is recorded in the audit log with who exported what."""
import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User

from .excel import write_ledger
from .selectors import ledger_query, ledger_values
from .specs import LedgerSpec, all_columns

EXPORT_OBJECT = "ledgers.export"
CHUNK_SIZE = 2000  # rows per fetch from the server-side cursor: memory stays flat, round trips few


@dataclass
class LedgerExport:
    """A written workbook waiting to be sent; the caller streams it and then deletes the file."""

    path: str
    filename: str
    rows: int


def ledger_export(*, actor: User, spec: LedgerSpec, params: Mapping[str, Any] | None = None,
                  now: dt.datetime | None = None) -> LedgerExport:
    """Write the ledger rows `actor` may see under `params` to a temporary .xlsx and record the export."""
    profile = profile_of(actor)
    if not profile.memberships:
        raise PermissionRefused("您没有所属单位，不能导出台账。")
    query = ledger_query(user=actor, spec=spec, params=params)
    if query.form.errors:
        raise ServiceError("筛选条件有误：" + "；".join(str(e) for errs in query.form.errors.values() for e in errs))
    now = timezone.localtime(now or timezone.now())
    title = f"{spec.label}台账"
    subtitle = (f"筛选条件：{query.form.describe()}　导出时间：{now:%Y-%m-%d %H:%M}　"
                f"导出人：{actor.full_name or actor.username}")
    columns = all_columns(spec)
    handle, path = tempfile.mkstemp(prefix="ledger-", suffix=".xlsx")
    os.close(handle)
    try:
        # One query whatever the size: a server-side cursor on PostgreSQL, fetched CHUNK_SIZE rows at a time. Inside
        # a transaction, so the cursor streams; outside one Django declares it WITH HOLD, and PostgreSQL would run the
        # whole query and store its result before the first row came back. The chain lock is taken only at the end.
        with transaction.atomic():
            rows = (row[1:] for row in ledger_values(query).iterator(chunk_size=CHUNK_SIZE))
            count = write_ledger(path, title=title, subtitle=subtitle, columns=columns, rows=rows)
            record_event(object_type=EXPORT_OBJECT, object_id=spec.number, action="export", actor=actor,
                         actor_org=profile.memberships[0].organisation, internal=True,
                         payload={"ledger": spec.code, "filters": query.form.describe(), "rows": count})
    except BaseException:
        os.unlink(path)
        raise
    return LedgerExport(path=path, filename=f"{title}_{now:%Y%m%d_%H%M}.xlsx", rows=count)
