"""KPI snapshots: the counts of problems.kpis precomputed by day of receipt and district, kept exact on every save.

Every KPI condition is "as of the end of day D", and a problem's answer changes with D only at the dates it reads:
its timestamps (received, first dispatched, signed, replied, closed) and its handling deadline. So each problem has
a fact (KpiFact): its conditions as of the far future, and the day from which they hold. A problem whose latest
timestamp is on or before D and whose deadline is before D answers exactly as its fact says.

KpiSnapshot sums the facts of unrestricted problems by day of receipt, district and one dimension. A count as of D
is then (see counting.py): the snapshot sum, minus the facts of problems not yet settled at D, plus those problems
counted live as of D. For D = today that live part is the problems with a deadline still ahead: a few thousand at
1,000,000 problems. Restricted problems (visible only to the named) are always counted live.

Facts follow their problem on every save (post_save, in the saving transaction), so a late state change, a merge or
a reopening moves the snapshot at once. Writes that bypass save() (bulk loads) are repaired by
`manage.py rebuild_kpi_snapshots`, which rebuilds everything from the records.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from qingshan.problems import kpis
from qingshan.problems.models import Problem

from .grouping import district_path as _district_path
from .models import COUNTED_NAMES, KpiFact, KpiSnapshot

COUNTED = COUNTED_NAMES
FAR = dt.date(9999, 12, 30)  # "as of the far future": every timestamp passed, every deadline passed
_NEVER = dt.date(1, 1, 1)
TIMESTAMPS = ("received_at", "first_dispatched_at", "signed_at", "replied_at", "closed_at")  # what kpis.py reads

DIMS = {"": None, "unit": "lead_unit_id", "source": "source_id", "category": "category_id"}
KEY_FIELDS = ("received_on", "district_path", "lead_unit_id", "source_id", "category_id", "is_restricted",
              "handle_deadline", "latest_on")
FACT_FIELDS = ("problem_id", *KEY_FIELDS, *(f"c_{name}" for name in COUNTED))


def fact_rows(problems: QuerySet[Problem]) -> QuerySet:
    """The facts of `problems` as tuples in FACT_FIELDS order, computed by the database from kpis' own conditions."""
    latest = Greatest(*(Coalesce(TruncDate(name), Value(_NEVER)) for name in TIMESTAMPS))
    flags = {f"f_c_{name}": Case(When(kpis.counted(name, FAR), then=Value(1)), default=Value(0),
                                 output_field=IntegerField()) for name in COUNTED}
    return (problems.order_by()
            .annotate(f_district=_district_path(), f_unit=Coalesce("lead_unit_id", Value(0)), f_latest=latest,
                      **flags)
            .values_list("pk", "received_on", "f_district", "f_unit", "source_id", "category_id", "is_restricted",
                         "handle_deadline", "f_latest", *flags))


def _fact_sql() -> tuple[str, tuple]:
    """fact_rows of every problem as SQL, compiled once per process: building the thirteen conditions through the
    ORM costs more than a transition's own queries, and the statement never changes (only the time zone could)."""
    key = (connection.vendor, timezone.get_current_timezone_name())
    if key not in _compiled:
        sql, params = fact_rows(Problem.objects.all()).query.sql_with_params()
        _compiled[key] = (sql, tuple(params))
    return _compiled[key]


_compiled: dict[tuple, tuple[str, tuple]] = {}


def _fact_rows_of(ids: list[int]) -> list[tuple]:
    """The facts of these problems (the statement of _fact_sql narrowed to their ids)."""
    sql, params = _fact_sql()
    assert " WHERE " not in sql  # the ids' condition is appended below
    qn = connection.ops.quote_name
    column = f"{qn(Problem._meta.db_table)}.{qn(Problem._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE {column} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids])
        return cursor.fetchall()


def _keys(fact: dict) -> list[tuple]:
    """The snapshot rows a fact adds to: one per dimension."""
    base = (fact["received_on"], fact["district_path"])
    return [(*base, dim, fact[column] if column else 0) for dim, column in DIMS.items()]


def _contribution(fact: dict | None) -> dict[tuple, list[int]]:
    if fact is None or fact["is_restricted"]:
        return {}
    counts = [fact[f"c_{name}"] for name in COUNTED]
    return {key: counts for key in _keys(fact)}


def refresh_facts(problem_ids: Iterable[int]) -> None:
    """Recompute the facts of these problems from their records and move the snapshot by the difference."""
    ids = sorted(set(problem_ids))
    if not ids:
        return
    new = {row[0]: dict(zip(FACT_FIELDS, row, strict=True)) for row in _fact_rows_of(ids)}
    old = {f["problem_id"]: f for f in KpiFact.objects.filter(problem_id__in=ids).values(*FACT_FIELDS)}
    changed = [pk for pk in ids if _normalised(new.get(pk)) != _normalised(old.get(pk))]
    if not changed:
        return
    delta: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTED))
    for pk in changed:
        for sign, fact in ((-1, _normalised(old.get(pk))), (1, _normalised(new.get(pk)))):
            for key, counts in _contribution(fact).items():
                delta[key] = [d + sign * c for d, c in zip(delta[key], counts, strict=True)]
    _add_to_snapshot({key: counts for key, counts in delta.items() if any(counts)})
    gone = [pk for pk in changed if pk not in new]
    if gone:
        KpiFact.objects.filter(problem_id__in=gone).delete()
    present = [KpiFact(**new[pk]) for pk in changed if pk in new]
    if present:
        KpiFact.objects.bulk_create(present, update_conflicts=True, unique_fields=["problem_id"],
                                    update_fields=[f for f in FACT_FIELDS if f != "problem_id"])


def _normalised(fact: dict | None) -> dict | None:
    """A fact with plain values (the database gives booleans and dates back in its own types)."""
    if fact is None:
        return None
    fact = dict(fact)
    fact["is_restricted"] = bool(fact["is_restricted"])
    for name in ("received_on", "handle_deadline", "latest_on"):
        if isinstance(fact[name], str):
            fact[name] = dt.date.fromisoformat(fact[name])
        elif isinstance(fact[name], dt.datetime):
            fact[name] = fact[name].date()
    return fact


def _add_to_snapshot(delta: dict[tuple, list[int]]) -> None:
    """Add `delta` to the snapshot rows, creating missing ones: one statement, keys in order (no deadlock)."""
    if not delta:
        return
    table = KpiSnapshot._meta.db_table
    columns = ["received_on", "district_path", "dim", "dim_value", *(f"n_{name}" for name in COUNTED)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list = []
    for key in sorted(delta):
        params += [*key, *delta[key]]
    increments = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns[4:])
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(delta))} "
           f"ON CONFLICT (received_on, district_path, dim, dim_value) DO UPDATE SET {increments}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild_snapshots() -> int:
    """Rebuild every fact and snapshot row from the problem records; the number of problems."""
    facts, snapshot = KpiFact._meta.db_table, KpiSnapshot._meta.db_table
    select, params = fact_rows(Problem.objects.all()).query.sql_with_params()
    sums = ", ".join(f"SUM(c_{name})" for name in COUNTED)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {snapshot}")
        cursor.execute(f"DELETE FROM {facts}")
        cursor.execute(f"INSERT INTO {facts} ({', '.join(FACT_FIELDS)}) {select}", params)
        for dim, column in DIMS.items():
            value = column or "0"
            group = f", {column}" if column else ""  # never GROUP BY a bare number: it means a column position
            cursor.execute(
                f"INSERT INTO {snapshot} (received_on, district_path, dim, dim_value, "
                f"{', '.join(f'n_{name}' for name in COUNTED)}) "
                f"SELECT received_on, district_path, %s, {value}, {sums} FROM {facts} WHERE NOT is_restricted "
                f"GROUP BY received_on, district_path{group}", [dim])
        cursor.execute(f"SELECT COUNT(*) FROM {facts}")
        return cursor.fetchone()[0]


def _on_save(sender, instance: Problem, raw: bool = False, **kwargs) -> None:
    if not raw:  # fixtures loaded raw are followed by a rebuild
        refresh_facts([instance.pk])


def _on_delete(sender, instance: Problem, **kwargs) -> None:
    refresh_facts([instance.pk])


def connect() -> None:
    post_save.connect(_on_save, sender=Problem, dispatch_uid="kpi_snapshot_save")
    post_delete.connect(_on_delete, sender=Problem, dispatch_uid="kpi_snapshot_delete")

