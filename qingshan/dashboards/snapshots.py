"""KPI snapshots: the counts of problems.kpis precomputed by day of receipt and district, kept exact on every save.

Every KPI condition is "as of the end of day D", and a problem's answer changes with D only at the dates it reads:
its timestamps (received, first dispatched, signed, replied, closed) and its handling deadline. So each problem has
a fact (KpiFact): its conditions as of the far future, and the day from which they hold. A problem whose latest
timestamp is on or before D and whose deadline is before D answers exactly as its fact says.

KpiSnapshot sums the facts of unrestricted problems by day of receipt, district and one dimension; a change is
appended as rows of differences (a key's count is the sum of its rows), which the worker folds back into one row per
key (compact_snapshots). A count as of D is then (see counting.py): the snapshot sum, minus the facts of problems
not yet settled at D, plus those problems counted live as of D. For D = today that live part is the problems with a
deadline still ahead: a few thousand at 1,000,000 problems. Restricted problems (visible only to the named) are
always counted live.

The upkeep rides on every transition, so it is kept small. On PostgreSQL a statement trigger on the problems table
only lists the problems a statement wrote (`trigger_sql`, KpiDirty: about 0.02 ms a transition), writes that bypass
save() included; the worker's fold (`fold_dirty`, every minute) computes their facts from the records and appends
the snapshot's rows of differences, where a fact changed. Until then counting treats a listed problem as late (its
stored fact taken out, the problem counted live), so a late state change, a merge or a reopening shows at once.
Elsewhere the post_save hook keeps the fact in the writing transaction (a save naming only fields the fact does not
read costs nothing), and problems registered together by bulk_create (`problems_bulk_created`) have their facts
computed by batch. Writes past the upkeep (`upkeep_paused`, or bulk loads on SQLite) are found and repaired by the
nightly check (`check_snapshots`, run by the worker's sweep) or by `manage.py rebuild_kpi_snapshots`, which rebuilds
everything from the records.
"""
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from qingshan.problems import kpis
from qingshan.problems.models import Problem, problems_bulk_created

from .grouping import district_path as _district_path
from .models import COUNTED_NAMES, KpiDirty, KpiFact, KpiSnapshot

COUNTED = COUNTED_NAMES
FAR = dt.date(9999, 12, 30)  # "as of the far future": every timestamp passed, every deadline passed
_NEVER = dt.date(1, 1, 1)
TIMESTAMPS = ("received_at", "first_dispatched_at", "signed_at", "replied_at", "closed_at")  # what kpis.py reads

# As of a day D on or after a problem's latest timestamp (latest_on) and not after its deadline, every condition
# answers as the problem's fact except those reading the deadline: only kpis.overdue does ("handle_deadline before
# D"), so before the deadline overdue is 0, and closed_or_overdue (closed or overdue, which exclude each other) is
# closed. {condition: the fact column it equals then, None for 0}; the snapshot tests check it on every day.
BEFORE_DEADLINE: dict[str, str | None] = {"overdue": None, "closed_or_overdue": "closed"}

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


def read_columns() -> frozenset[str]:
    """The problem table's columns the fact statement reads: a save naming none of them cannot change a fact."""
    sql, _ = _fact_sql()
    table = connection.ops.quote_name(Problem._meta.db_table)
    return frozenset(f.column for f in Problem._meta.concrete_fields
                     if f"{table}.{connection.ops.quote_name(f.column)}" in sql)


# ---------------------------------------------------------------- PostgreSQL: the upkeep as a trigger

TRIGGER_FUNCTION = "dashboards_kpi_fact_upkeep"
PAUSE_SETTING = "qingshan.kpi_upkeep"  # 'off' for a transaction: the trigger does nothing (upkeep_paused)
TRIGGERS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}  # statement trigger -> its transition table


def _trigger_name(event: str) -> str:
    return f"dashboards_kpi_fact_{event.lower()}"


def _refresh_set_sql(ids: str) -> str:
    """One PostgreSQL statement keeping the facts of the problems whose ids `ids` (a sub-select) gives, and the
    snapshot; the fact statement's parameters are left as placeholders after those of `ids`. Its parts see the tables
    as they were before it: `stored` is a problem's stored fact, `fresh` the fact computed from its record (none when
    the problem is gone); where they differ, the fact is upserted (or deleted) and fresh minus stored is appended to
    the snapshot, over the four dimensions, rows with no change left out. The same rules as refresh_facts below,
    which serves other databases and batches. The fold runs it over the problems the trigger listed, the save hook
    (PostgreSQL without the trigger) over one id."""
    select, _ = _fact_sql()
    qn = connection.ops.quote_name
    facts, snapshot = KpiFact._meta.db_table, KpiSnapshot._meta.db_table
    pk = f"{qn(Problem._meta.db_table)}.{qn(Problem._meta.pk.column)}"
    fields = ", ".join(FACT_FIELDS)
    counts = [f"c_{name}" for name in COUNTED]
    differs = " OR ".join(f"n.{f} IS DISTINCT FROM o.{f}" for f in FACT_FIELDS)
    sums = ", ".join(f"SUM(sign * {c}) AS n_{c[2:]}" for c in counts)
    nonzero = " OR ".join(f"SUM(sign * {c}) <> 0" for c in counts)
    dim_value = "CASE d.dim " + " ".join(f"WHEN '{dim}' THEN {column}" for dim, column in DIMS.items() if column) + \
        " ELSE 0 END"
    dims = ", ".join(f"('{dim}')" for dim in DIMS)
    return (
        f"WITH ids AS (SELECT DISTINCT pid FROM ({ids}) AS i (pid)), "
        f"fresh ({fields}) AS ({select} WHERE {pk} IN (SELECT pid FROM ids)), "
        f"stored AS (SELECT {fields} FROM {facts} WHERE problem_id IN (SELECT pid FROM ids)), "
        f"changed AS (SELECT ids.pid FROM ids LEFT JOIN fresh n ON n.problem_id = ids.pid "
        f"LEFT JOIN stored o ON o.problem_id = ids.pid WHERE {differs}), "
        f"upserted AS (INSERT INTO {facts} ({fields}) SELECT {fields} FROM fresh "
        f"WHERE problem_id IN (SELECT pid FROM changed) ORDER BY problem_id "
        f"ON CONFLICT (problem_id) DO UPDATE SET "
        f"{', '.join(f'{f} = excluded.{f}' for f in FACT_FIELDS if f != 'problem_id')}), "
        f"removed AS (DELETE FROM {facts} WHERE problem_id IN (SELECT pid FROM changed) "
        f"AND problem_id NOT IN (SELECT problem_id FROM fresh)), "
        f"moved AS (SELECT -1 AS sign, stored.* FROM stored WHERE NOT is_restricted "
        f"AND problem_id IN (SELECT pid FROM changed) UNION ALL "
        f"SELECT 1, fresh.* FROM fresh WHERE NOT is_restricted AND problem_id IN (SELECT pid FROM changed)), "
        f"delta AS (SELECT received_on, district_path, d.dim, {dim_value} AS dim_value, {sums} "
        f"FROM moved CROSS JOIN (VALUES {dims}) AS d (dim) GROUP BY 1, 2, 3, 4 HAVING {nonzero}) "
        f"INSERT INTO {snapshot} (received_on, district_path, dim, dim_value, "
        f"{', '.join(f'n_{name}' for name in COUNTED)}) SELECT * FROM delta"
    )


def trigger_sql() -> list[str]:
    """The statements installing the upkeep on PostgreSQL: one function, run once per statement writing problems
    (insert, update, delete), listing the rows it wrote (its transition table) in KpiDirty for the fold. That is all
    a transition pays (computing the facts and the snapshot there cost 0.18-0.28 ms, 7 % of an urge); writes that
    bypass save() (queryset.update, bulk loads, SQL) are listed too. A listed problem's row is updated, not skipped,
    so the writing transaction holds its lock until it commits (fold_dirty relies on it)."""
    table = connection.ops.quote_name(Problem._meta.db_table)
    dirty = KpiDirty._meta.db_table
    body = (f"INSERT INTO {dirty} (problem_id, writes) SELECT id, 1 FROM kpi_rows ORDER BY id "
            f"ON CONFLICT (problem_id) DO UPDATE SET writes = {dirty}.writes + 1")
    statements = [f"CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $kpi$ "
                  f"BEGIN IF current_setting('{PAUSE_SETTING}', true) IS DISTINCT FROM 'off' THEN {body}; END IF; "
                  f"RETURN NULL; END $kpi$", *_drop_trigger_sql()]
    for event, table_kind in TRIGGERS.items():
        statements.append(f"CREATE TRIGGER {_trigger_name(event)} AFTER {event} ON {table} REFERENCING {table_kind} "
                          f"TABLE AS kpi_rows FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_FUNCTION}()")
    return statements


def _drop_trigger_sql() -> list[str]:
    table = connection.ops.quote_name(Problem._meta.db_table)
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(event)} ON {table}" for event in TRIGGERS]


def _lock(cursor, *, shared: bool = False) -> None:
    """The snapshots' own lock for this transaction (PostgreSQL): folds take it shared (they may run side by side,
    claiming different problems); the nightly check, compaction and the rebuild take it alone, so no fold commits
    between their statements (a fold between the check's two sums looked like drift, and its rows beside a rebuild's
    sums counted a change twice)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(hashtext(%s))", [OBJECT_TYPE])


def fold_dirty(*, batch: int = 5000) -> int:
    """Recompute the facts and the snapshot of the problems the trigger listed, and unlist them; the number folded.
    Each batch is one transaction: its listed rows are claimed first (locked, skipping those a transaction still
    writing holds), then their facts are computed in a new statement, which sees every write committed before the
    claim; a problem written again meanwhile waits for the claim's lock and is listed anew after it. Nothing is
    listed on other databases (the save hook keeps the facts there)."""
    if connection.vendor != "postgresql":
        return 0
    dirty = KpiDirty._meta.db_table
    _, params = _fact_sql()
    folded = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor, shared=True)  # before claiming: a fold waiting here holds no listed row
            cursor.execute(f"SELECT problem_id FROM {dirty} ORDER BY problem_id LIMIT %s FOR UPDATE SKIP LOCKED",
                           [batch])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return folded
            cursor.execute(_refresh_set_sql("SELECT unnest(%s::bigint[])"), [ids, *params])
            cursor.execute(f"DELETE FROM {dirty} WHERE problem_id = ANY(%s)", [ids])
        folded += len(ids)
        if len(ids) < batch:
            return folded


def install_trigger(**kwargs) -> None:
    """(Re)install the trigger after every migrate (post_migrate), so its statement always follows kpis' current
    conditions and time zone; nothing on other databases, which keep the save hook."""
    using = kwargs.get("using", "default")
    from django.db import connections

    if connections[using].vendor != "postgresql" or using != "default":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [KpiDirty._meta.db_table])
        if cursor.fetchone()[0] is None:
            # Migrated back before the list existed: a trigger writing to it would refuse every write of a problem;
            # without one, the save hook keeps the facts.
            for statement in _drop_trigger_sql():
                cursor.execute(statement)
        else:
            for statement in trigger_sql():
                cursor.execute(statement)
    _triggered.clear()


def _has_trigger() -> bool:
    """Whether this PostgreSQL database keeps the facts itself (asked once per database and process)."""
    key = connection.settings_dict["NAME"]
    if key not in _triggered:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
                           [[_trigger_name(event) for event in TRIGGERS]])
            _triggered[key] = cursor.fetchone()[0] == len(TRIGGERS)
    return _triggered[key]


_triggered: dict[str, bool] = {}


@contextmanager
def upkeep_paused():
    """Writes inside skip the upkeep, as a bulk load followed by a rebuild would (and tests and benchmarks of it): one
    transaction in which the save hook is disconnected and, on PostgreSQL, the trigger told to do nothing."""
    post_save.disconnect(dispatch_uid="kpi_snapshot_save", sender=Problem)
    post_delete.disconnect(dispatch_uid="kpi_snapshot_delete", sender=Problem)
    problems_bulk_created.disconnect(dispatch_uid="kpi_snapshot_bulk", sender=Problem)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [PAUSE_SETTING])
            try:
                yield
            finally:
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, 'on', true)", [PAUSE_SETTING])
    finally:
        connect()


def refresh_fact(problem_id: int) -> None:
    """Keep one problem's fact and the snapshot (the hook's path): one statement on PostgreSQL."""
    if connection.vendor != "postgresql":
        refresh_facts([problem_id])
        return
    _, params = _fact_sql()
    with connection.cursor() as cursor:
        cursor.execute(_refresh_set_sql("SELECT %s::bigint"), [problem_id, *params])


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
    """Append `delta` to the snapshot as rows of differences: one statement."""
    if not delta:
        return
    KpiSnapshot.objects.bulk_create([KpiSnapshot(**dict(zip(SNAPSHOT_KEY, key, strict=True)),
                                                 **{f"n_{name}": n for name, n in zip(COUNTED, counts, strict=True)})
                                     for key, counts in sorted(delta.items())])


SNAPSHOT_KEY = ("received_on", "district_path", "dim", "dim_value")


def rebuild_snapshots() -> int:
    """Rebuild every fact and snapshot row from the problem records; the number of problems."""
    facts, snapshot = KpiFact._meta.db_table, KpiSnapshot._meta.db_table
    select, params = fact_rows(Problem.objects.all()).query.sql_with_params()
    sums = ", ".join(f"SUM(c_{name})" for name in COUNTED)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"DELETE FROM {KpiDirty._meta.db_table}")  # every fact is computed from its record below
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


def _on_save(sender, instance: Problem, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:  # fixtures loaded raw are followed by a rebuild
        return
    if connection.vendor == "postgresql" and _has_trigger():
        return  # the database's trigger keeps the fact
    if update_fields is not None:
        named = {Problem._meta.get_field(name).column for name in update_fields}
        if not named & _read_columns():
            return  # nothing the fact reads was written
    refresh_fact(instance.pk)


def _read_columns() -> frozenset[str]:
    if connection.vendor not in _read:
        _read[connection.vendor] = read_columns()
    return _read[connection.vendor]


_read: dict[str, frozenset[str]] = {}


def _on_delete(sender, instance: Problem, **kwargs) -> None:
    if connection.vendor == "postgresql" and _has_trigger():
        return
    refresh_fact(instance.pk)


def add_new_facts(problem_ids: list[int]) -> None:
    """The facts of problems just inserted (none has one yet) and their sum appended to the snapshot, computed by the
    database from the records like rebuild_snapshots: one INSERT … SELECT of the facts and one per dimension for the
    snapshot (rows of no count left out), however many problems (in chunks off PostgreSQL, whose
    lists travel as one array parameter)."""
    select, params = _fact_sql()
    assert " WHERE " not in select  # the ids' condition is appended below
    qn = connection.ops.quote_name
    facts, snapshot = KpiFact._meta.db_table, KpiSnapshot._meta.db_table
    pk = f"{qn(Problem._meta.db_table)}.{qn(Problem._meta.pk.column)}"
    counts = [f"SUM(c_{name})" for name in COUNTED]
    nonzero = " OR ".join(f"{c} <> 0" for c in counts)
    postgres = connection.vendor == "postgresql"
    step = (len(problem_ids) or 1) if postgres else BULK_BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(problem_ids), step):
            chunk = problem_ids[start:start + step]
            if postgres:
                which, ids = "= ANY(%s)", [chunk]
            else:
                which, ids = f"IN ({', '.join(['%s'] * len(chunk))})", chunk
            cursor.execute(f"INSERT INTO {facts} ({', '.join(FACT_FIELDS)}) {select} WHERE {pk} {which}",
                           [*params, *ids])
            for dim, column in DIMS.items():
                group = f", {column}" if column else ""
                cursor.execute(
                    f"INSERT INTO {snapshot} (received_on, district_path, dim, dim_value, "
                    f"{', '.join(f'n_{name}' for name in COUNTED)}) "
                    f"SELECT received_on, district_path, %s, {column or '0'}, {', '.join(counts)} FROM {facts} "
                    f"WHERE problem_id {which} AND NOT is_restricted GROUP BY received_on, district_path{group} "
                    f"HAVING {nonzero}",
                    [dim, *ids])


def _on_bulk_created(sender, problem_ids: list[int], **kwargs) -> None:
    if connection.vendor == "postgresql" and _has_trigger():
        return  # the trigger has kept them, as for any insert
    add_new_facts(problem_ids)


BULK_BATCH = 500  # problems whose facts one statement computes off PostgreSQL (an IN of that many parameters)


def connect() -> None:
    post_save.connect(_on_save, sender=Problem, dispatch_uid="kpi_snapshot_save")
    post_delete.connect(_on_delete, sender=Problem, dispatch_uid="kpi_snapshot_delete")
    problems_bulk_created.connect(_on_bulk_created, sender=Problem, dispatch_uid="kpi_snapshot_bulk")



# ---------------------------------------------------------------- the nightly check

OBJECT_TYPE = "dashboards.kpi_snapshot"


def _drifted_facts() -> list[int]:
    """The problems whose stored fact differs from the one computed from their record now (or is missing), and the
    facts left by problems that are gone: one comparison in the database. Problems the trigger listed are pending,
    not drifted: left out in the same statement (a writer committing meanwhile is either listed or not yet seen)."""
    select, params = _fact_sql()
    facts = KpiFact._meta.db_table
    qn = connection.ops.quote_name
    problems = f"{qn(Problem._meta.db_table)}"
    fields = ", ".join(FACT_FIELDS)
    differs = " OR ".join(f"NOT (n.{f} IS o.{f})" if connection.vendor == "sqlite" else
                          f"n.{f} IS DISTINCT FROM o.{f}" for f in FACT_FIELDS)
    sql = (f"WITH n ({fields}) AS ({select}) "
           f"SELECT n.problem_id FROM n LEFT JOIN {facts} o ON o.problem_id = n.problem_id WHERE {differs} "
           f"UNION SELECT o.problem_id FROM {facts} o WHERE NOT EXISTS (SELECT 1 FROM {problems} p "
           f"WHERE p.{qn(Problem._meta.pk.column)} = o.problem_id)")
    sql = (f"SELECT d.problem_id FROM ({sql}) AS d WHERE NOT EXISTS (SELECT 1 FROM {KpiDirty._meta.db_table} k "
           f"WHERE k.problem_id = d.problem_id)")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _snapshot_sums_sql() -> tuple[str, str]:
    """(the snapshot as the facts sum it, the snapshot as stored), both as rows of key and counts (the stored rows
    of a key summed)."""
    facts, snapshot = KpiFact._meta.db_table, KpiSnapshot._meta.db_table
    sums = ", ".join(f"SUM(c_{name})" for name in COUNTED)
    parts = []
    for dim, column in DIMS.items():
        group = f", {column}" if column else ""
        parts.append(f"SELECT received_on, district_path, '{dim}', {column or '0'}, {sums} FROM {facts} "
                     f"WHERE NOT is_restricted GROUP BY received_on, district_path{group}")
    stored = (f"SELECT received_on, district_path, dim, dim_value, {', '.join(f'SUM(n_{n})' for n in COUNTED)} "
              f"FROM {snapshot} GROUP BY received_on, district_path, dim, dim_value")
    return " UNION ALL ".join(parts), stored


def snapshot_totals() -> dict[tuple, tuple[int, ...]]:
    """{key: counts in COUNTED order} of the snapshot as its readers see it: each key's rows summed, keys summing to
    nothing left out."""
    _, stored = _snapshot_sums_sql()
    with connection.cursor() as cursor:
        cursor.execute(stored)
        totals = {_key(tuple(row[:4])): tuple(row[4:]) for row in cursor.fetchall()}
    return {key: counts for key, counts in totals.items() if any(counts)}


def _snapshot_drift() -> int:
    """How many snapshot keys differ from the sums of the facts (keys summing to nothing count as absent)."""
    expected, _ = _snapshot_sums_sql()
    with connection.cursor() as cursor:
        cursor.execute(expected)
        want = {_key(tuple(row[:4])): tuple(row[4:]) for row in cursor.fetchall()}
    want = {key: counts for key, counts in want.items() if any(counts)}
    have = snapshot_totals()
    return sum(1 for key in want.keys() | have.keys() if want.get(key) != have.get(key))


def compact_snapshots() -> int:
    """Fold each key's rows of differences into one row, and drop keys summing to nothing; the number of rows
    removed. Every count stays exact meanwhile: on PostgreSQL the fold is one statement (a reader sees the rows
    before or after it), rows that transitions append during it are not among those folded and stay as they are,
    and it waits for the nightly check (the same lock). Elsewhere the database lets one writer at a time."""
    table = KpiSnapshot._meta.db_table
    key = ", ".join(SNAPSHOT_KEY)
    columns = ", ".join(f"n_{name}" for name in COUNTED)
    sums = ", ".join(f"SUM(n_{name})" for name in COUNTED)
    nonzero = " OR ".join(f"SUM(n_{name}) <> 0" for name in COUNTED)
    folded = f"HAVING COUNT(*) > 1 OR NOT ({nonzero})"  # the keys whose rows are replaced
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _lock(cursor)
            cursor.execute(
                f"WITH old AS (DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} GROUP BY {key} "
                f"{folded}) RETURNING *), "
                f"new AS (INSERT INTO {table} ({key}, {columns}) SELECT {key}, {sums} FROM old GROUP BY {key} "
                f"HAVING {nonzero} RETURNING 1) "
                f"SELECT (SELECT COUNT(*) FROM old) - (SELECT COUNT(*) FROM new)")
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {table}")
        last, before = cursor.fetchone()
        if last is None:
            return 0
        cursor.execute(f"INSERT INTO {table} ({key}, {columns}) SELECT {key}, {sums} FROM {table} WHERE id <= %s "
                       f"GROUP BY {key} HAVING COUNT(*) > 1 AND ({nonzero})", [last])
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s AND ({key}) IN (SELECT {key} FROM {table} "
                       f"WHERE id <= %s GROUP BY {key} {folded})", [last, last])
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return before - cursor.fetchone()[0]


def _key(key: tuple) -> tuple:
    day, path, dim, value = key
    return (day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)), path, dim, int(value))


def _rebuild_snapshot_from_facts() -> None:
    snapshot = KpiSnapshot._meta.db_table
    expected, _ = _snapshot_sums_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {snapshot}")
        cursor.execute(f"INSERT INTO {snapshot} (received_on, district_path, dim, dim_value, "
                       f"{', '.join(f'n_{name}' for name in COUNTED)}) {expected}")


@dataclass(frozen=True)
class CheckResult:
    facts: int  # problems whose fact had drifted from their record (repaired)
    snapshot_rows: int  # snapshot rows that differed from the facts' sums after that (repaired)
    problem_ids: tuple[int, ...]

    @property
    def drifted(self) -> bool:
        return bool(self.facts or self.snapshot_rows)


def check_snapshots(*, batch: int = 2000) -> CheckResult:
    """The nightly check: compare every fact with its problem's record and the snapshot with the facts' sums, repair
    what drifted (a write that bypassed save(), e.g. queryset.update) and record the repair in the audit log.

    Facts are repaired by difference (refresh_facts), so a transition committing meanwhile is not counted twice. A
    snapshot row found wrong makes the whole snapshot be summed again from the facts: meant for the quiet night. The
    problems the trigger listed are folded first; those listed again meanwhile are not drift, only pending."""
    fold_dirty()
    with transaction.atomic():
        with connection.cursor() as cursor:  # alone: no other check (the same repair twice) and no fold meanwhile
            _lock(cursor)
        drifted = _drifted_facts()
        for start in range(0, len(drifted), batch):
            refresh_facts(drifted[start:start + batch])
        rows = _snapshot_drift()
        if rows:
            _rebuild_snapshot_from_facts()
        result = CheckResult(len(drifted), rows, tuple(drifted))
        if result.drifted:
            from qingshan.audit.services import record_event

            record_event(
                object_type=OBJECT_TYPE, object_id=0, action="repair", internal=True,
                reason=f"夜间核对：{result.facts} 个问题的指标事实与记录不符，"
                       f"{result.snapshot_rows} 行快照与事实合计不符，均已按记录修复。",
                payload={"facts": result.facts, "snapshot_rows": result.snapshot_rows,
                         "problem_ids": list(result.problem_ids[:100])})
    return result
