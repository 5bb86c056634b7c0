"""Grouped KPI counts: from the snapshots when the viewer's scope is a set of whole districts, from the problems'
facts when the viewer sees only what is addressed to it (stationed groups, units, partners), otherwise live.

Both ways give the same numbers (tests compare them on every grouping). The snapshot way, as of day D:

    snapshot sum − facts of the problems not settled at D + those problems counted live as of D

where "not settled at D" means a timestamp after D or a deadline on or after D (see snapshots.py), or written since its
fact was last computed (listed by the PostgreSQL trigger, not yet folded: KpiDirty), and restricted
problems are always counted live through the viewer's visibility (only those whose restriction names the viewer:
no other can be visible). Only three small reads touch the problems table.
"""
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.problems import addressed_only_ids, named_restricted_ids
from qingshan.orgs.models import Region
from qingshan.problems import kpis
from qingshan.problems.models import Problem

from .grouping import district_path
from .models import KpiDirty, KpiFact, KpiSnapshot
from .snapshots import BEFORE_DEADLINE


@dataclass(frozen=True)
class Grouping:
    """One way of grouping: the snapshot dimension it reads, and its key on snapshot rows, facts and problems."""

    dim: str
    snapshot_key: Any
    fact_key: Any
    live_key: Any


def _groupings() -> dict[str, Grouping]:
    month = TruncMonth("received_on")
    return {
        "region": Grouping("", F("district_path"), F("district_path"), district_path()),
        "unit": Grouping("unit", F("dim_value"), F("lead_unit_id"), Coalesce("lead_unit_id", Value(0))),
        "source": Grouping("source", F("dim_value"), F("source_id"), F("source_id")),
        "category": Grouping("category", F("dim_value"), F("category_id"), F("category_id")),
        "month": Grouping("", month, month, month),
    }


GROUPINGS = ("region", "unit", "source", "category", "month")


@dataclass(frozen=True)
class Ask:
    """What to count: the viewer, the period of receipt, the as-of day and an optional region (any level)."""

    user: Any
    received_from: dt.date | None
    received_to: dt.date | None
    as_of: dt.date
    region_id: int | None = None


def _district_prefixes(ask: Ask) -> tuple[list[str], str | None] | None:
    """(jurisdiction paths, region path) when the viewer sees whole districts (or the city) and nothing else, and the
    region chosen is the city or a district; None when the snapshot cannot answer exactly."""
    profile = profile_of(ask.user)
    if profile.unit_ids or profile.group_ids or profile.group_unit_ids or profile.partner_ids:
        return None
    paths = sorted(profile.jurisdiction_paths)
    if not paths:  # sees nothing (or only what is addressed to it): the live count is empty or small
        return None
    region = _district_level_region(ask)
    if region is None or any(not _is_district_level(path) for path in paths):
        return None
    return paths, region[0]


def _is_district_level(path: str) -> bool:
    """A path of at most two segments ("/city/" or "/city/district/") covers whole snapshot districts."""
    return path.count("/") <= 3


def _district_level_region(ask: Ask) -> tuple[str | None] | None:
    """(the chosen region's path, None when none is chosen) when the facts' and snapshots' district_path answers it
    (none, the city or a district); None for an unknown region or one below a district."""
    if ask.region_id is None:
        return (None,)
    path = Region.objects.filter(pk=ask.region_id).values_list("path", flat=True).first()
    return (path,) if path is not None and _is_district_level(path) else None


def _narrow(rows: QuerySet, ask: Ask, paths: list[str], region_path: str | None) -> QuerySet:
    scope = Q()
    for path in paths:
        scope |= Q(district_path__startswith=path)
    rows = rows.filter(scope)
    if region_path:
        rows = rows.filter(district_path__startswith=region_path)
    if ask.received_from:
        rows = rows.filter(received_on__gte=ask.received_from)
    if ask.received_to:
        rows = rows.filter(received_on__lte=ask.received_to)
    return rows


def _unsettled(as_of: dt.date) -> Q:
    return Q(latest_on__gt=as_of) | Q(handle_deadline__gte=as_of)


def _late(as_of: dt.date) -> Q:
    """Facts with a timestamp after `as_of`: those problems are counted live."""
    return Q(latest_on__gt=as_of)


def _listed(dirty: list[int]) -> Q:
    """The facts of the problems the trigger listed and the fold has not yet recomputed (snapshots.fold_dirty). On
    PostgreSQL as `= ANY(array)`: beside the late and deadline conditions it is one more arm of their bitmap scan (by
    the primary key), where an IN sub-select made the period's facts be scanned whole (2,000 listed problems at
    1,000,000: the leader's KPI page 22 -> 214 ms)."""
    return Q(_fact_among(dirty)) if connection.vendor == "postgresql" else Q(problem_id__in=dirty)


def _fact_among(ids: list[int]) -> RawSQL:
    """PostgreSQL: the facts of these problems, as `problem_id = ANY(array)` (one parameter, a bitmap or index scan
    by the primary key)."""
    return RawSQL(f'"{KpiFact._meta.db_table}"."problem_id" = ANY(%s)', [ids], output_field=BooleanField())


def _listed_correction(name: str, as_of: dt.date) -> Sum:
    """For the facts of listed problems (counted live, so taken out of the snapshot whole): what _fact_correction has
    not already taken out of each, for one condition: nothing of a late fact, the part kept before the deadline of
    one unsettled by its deadline, the whole of a settled one. (A per-row test of the listed ids inside
    _fact_correction's sums cost 0.8 s for 2,000 of them at 1,000,000 problems.)"""
    column = F(f"c_{name}")
    if name not in BEFORE_DEADLINE:
        kept = column
    else:
        instead = BEFORE_DEADLINE[name]
        kept = Value(0) if instead is None else F(f"c_{instead}")
    return Sum(Case(When(_late(as_of), then=Value(0)), When(handle_deadline__gte=as_of, then=kept), default=column,
                    output_field=IntegerField()))


def _late_and_listed(late: QuerySet) -> tuple[set[int], list[int]]:
    """(the ids of the facts `late`, the ids listed by the trigger) from one query: the late ones' statement serves
    the list too, so counting with pending problems costs no extra round trip."""
    rows = (late.annotate(listed=Value(False)).values_list("problem_id", "listed")
            .union(KpiDirty.objects.annotate(listed=Value(True)).values_list("problem_id", "listed"), all=True))
    late_ids: set[int] = set()
    listed: list[int] = []
    for problem_id, is_listed in rows:
        if is_listed:
            listed.append(problem_id)
        else:
            late_ids.add(problem_id)
    return late_ids, listed


def _fact_correction(name: str, as_of: dt.date) -> Sum:
    """What the facts of the problems unsettled at `as_of` (not restricted) add to the snapshot beyond the truth as of
    `as_of`, for one condition. Problems with a timestamp after `as_of` are taken out whole (they are counted live).
    The others are unsettled only because their deadline is not passed: as of `as_of` they answer as their fact
    with the deadline not passed (snapshots.BEFORE_DEADLINE), so only the difference is taken out, and they need not
    be read from the problems."""
    late = _late(as_of)
    if name not in BEFORE_DEADLINE:  # the deadline does not matter: only the late ones are wrong
        return Sum(f"c_{name}", filter=late)
    instead = BEFORE_DEADLINE[name]
    if instead is None:  # 0 before the deadline: the whole fact is taken out
        return Sum(f"c_{name}")
    return Sum(f"c_{name}") - Coalesce(Sum(f"c_{instead}", filter=~late), 0)


def grouped_counts(live: QuerySet[Problem], ask: Ask, grouping: str, names: tuple[str, ...]) -> dict[Any, dict]:
    """{group key: {name: count}} for the named conditions (kpis.counted) over `live`, which must be the viewer's
    visible problems of the ask's period and region. Groups with nothing counted may appear with zeros."""
    return grouped_counts_many(live, ask, {grouping: names})[grouping]


def grouped_counts_many(live: QuerySet[Problem], ask: Ask, wanted: dict[str, tuple[str, ...]]) -> dict[str, dict]:
    """grouped_counts for several groupings at once ({grouping: names} → {grouping: {key: counts}}), with as few
    queries as the snapshot allows. As of D: snapshot sum − the facts' excess at D (_fact_correction) + the late and
    restricted problems counted live. The groupings read from the same snapshot rows (region and month) share one
    pass over the snapshot and the facts, the others (one snapshot read each) another; the live part is one read for
    all of them. Each read groups by every key it serves at once; the rows are then summed per grouping."""
    prefixes = _district_prefixes(ask)
    if prefixes is None:
        addressed = _addressed_scope(ask)
        if addressed is not None:
            with _one_snapshot():
                return _fact_counts(live, ask, wanted, *addressed)
        return {grouping: _live_counts(live, ask, grouping, names) for grouping, names in wanted.items()}
    with _one_snapshot():
        return _snapshot_counts(live, ask, wanted, *prefixes)


@contextmanager
def _one_snapshot():
    """The snapshot way reads the snapshot and the facts in several statements (the facts way the list, then the facts):
    on PostgreSQL they see the database at one moment (a read-only repeatable-read transaction), or the worker's
    fold committing between them would count a minute's changes twice or not at all. Inside a transaction already
    (a job, a test) it is that one's."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _snapshot_counts(live: QuerySet[Problem], ask: Ask, wanted: dict[str, tuple[str, ...]], paths: list[str],
                     region_path: str | None) -> dict[str, dict]:
    groupings = {name: _groupings()[name] for name in wanted}
    tally = _Tally(wanted)
    add = tally.add
    # The ids are read first: given the sub-select, PostgreSQL scanned the whole period's problems instead of
    # fetching the few late or restricted ones by primary key. With them, the problems the trigger listed (dirty).
    recount, dirty = _late_and_listed(_narrow(KpiFact.objects.filter(_late(ask.as_of)), ask, paths, region_path))

    def names_of(members: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for g in members for n in wanted[g]))

    dims: dict[str, list[str]] = defaultdict(list)
    for grouping, group in groupings.items():
        dims[group.dim].append(grouping)
    for part in ([g for g in groupings if groupings[g].dim == ""], [g for g in groupings if groupings[g].dim != ""]):
        if not part:
            continue
        names = names_of(part)
        for dim in dict.fromkeys(groupings[g].dim for g in part):  # one snapshot read per dimension
            members = dims[dim]
            snapshot = _narrow(KpiSnapshot.objects.filter(dim=dim), ask, paths, region_path)
            add(snapshot.values(**{f"k_{g}": groupings[g].snapshot_key for g in members})
                .annotate(**{n: Sum(f"n_{n}") for n in names_of(members)}), 1, members)
        keys = {f"k_{g}": groupings[g].fact_key for g in part}
        facts = _narrow(KpiFact.objects.filter(_unsettled(ask.as_of), is_restricted=False), ask, paths, region_path)
        corrections = facts.values(**keys).annotate(**{n: _fact_correction(n, ask.as_of) for n in names})
        if dirty:  # in the same statement: the rest of the listed problems' facts, fetched by primary key
            listed = _narrow(KpiFact.objects.filter(_listed(dirty), is_restricted=False), ask, paths, region_path)
            corrections = corrections.union(
                listed.values(**keys).annotate(**{n: _listed_correction(n, ask.as_of) for n in names}), all=True)
        add(corrections, -1, part)
    # Of the restricted problems only those whose restriction names the viewer can be visible (the others would
    # count 0): a leader named on none reads and recounts none of the 2,899 of a year at 1,000,000 problems. The
    # viewer's named ids are read first, their facts fetched by primary key and the flag checked here: with the
    # restriction in the statement (a sub-select, or the ids beside the flag), PostgreSQL read every restricted fact
    # through the flag's partial index (6,000 rows, 12-20 ms at 1,000,000 problems).
    recount.update(dirty)  # `live` keeps those the viewer sees in the period and region, by their records
    named = [row["problem_id"] for row in named_restricted_ids(ask.user)]
    if named:
        recount.update(problem_id for problem_id, restricted in
                       _narrow(KpiFact.objects.filter(problem_id__in=named), ask, paths, region_path)
                       .values_list("problem_id", "is_restricted") if restricted)
    if recount:
        add(_recounted(live, ask, groupings, names_of(list(groupings)), recount), 1, list(groupings))
    return tally.counts()


class _Tally:
    """The counts of several groupings being summed: {grouping: {key: {name: count}}}, groups starting at zero."""

    def __init__(self, wanted: dict[str, tuple[str, ...]]):
        self.wanted = wanted
        self.result: dict[str, dict] = {g: defaultdict(lambda g=g: dict.fromkeys(wanted[g], 0)) for g in wanted}

    def add(self, rows, sign: int, members: list[str]) -> None:
        """Add (or, sign -1, take out) rows holding each member grouping's key as k_<grouping> and the counts."""
        for row in rows:
            for grouping in members:
                counts = self.result[grouping][_key(row[f"k_{grouping}"])]
                for name in self.wanted[grouping]:
                    counts[name] += sign * (row[name] or 0)

    def counts(self) -> dict[str, dict]:
        return {g: dict(counts) for g, counts in self.result.items()}


def _recounted(live: QuerySet[Problem], ask: Ask, groupings: dict[str, Grouping], names: tuple[str, ...],
               ids) -> QuerySet:
    """The problems `ids` (those the precomputed counts cannot answer for) counted live as of the ask's day, grouped
    by every grouping's key at once."""
    live_counts = {name: Count("pk", filter=kpis.counted(name, ask.as_of)) for name in names}
    return (live.filter(pk__in=_ids(sorted(ids))).values(**{f"k_{g}": groupings[g].live_key for g in groupings})
            .annotate(**live_counts))


def _addressed_scope(ask: Ask) -> tuple[QuerySet, str | None] | None:
    """(the audience rows of the viewer's visible problems, region path) for a viewer who sees only what is
    addressed to it, when the region chosen is none, the city or a district (the facts' district_path answers it);
    None otherwise."""
    ids = addressed_only_ids(ask.user)
    if ids is None:
        return None
    region = _district_level_region(ask)
    return None if region is None else (ids, region[0])


def _received_about(ids: QuerySet, ask: Ask) -> QuerySet:
    """The audience rows narrowed to the period by their copy of received_at (the audience index's second column),
    a day wider on each side: a problem's received_on is the local date of its received_at (problems.services sets
    both), so this keeps every problem of the period; the facts' received_on then decides exactly."""
    zone = timezone.get_current_timezone()
    if ask.received_from:
        start = dt.datetime.combine(ask.received_from - dt.timedelta(days=1), dt.time(), zone)
        ids = ids.filter(received_at__gte=start)
    if ask.received_to:
        end = dt.datetime.combine(ask.received_to + dt.timedelta(days=2), dt.time(), zone)
        ids = ids.filter(received_at__lt=end)
    return ids


def _as_of(name: str, as_of: dt.date) -> Sum:
    """The sum of one condition over facts with no timestamp after `as_of`: each answers as its fact, except that
    before its deadline it answers as snapshots.BEFORE_DEADLINE says (the truth that _fact_correction restores)."""
    if name not in BEFORE_DEADLINE:
        return Sum(f"c_{name}")
    instead = BEFORE_DEADLINE[name]
    before = Value(0) if instead is None else F(f"c_{instead}")
    return Sum(Case(When(handle_deadline__gte=as_of, then=before), default=F(f"c_{name}"),
                    output_field=IntegerField()))


def _fact_counts(live: QuerySet[Problem], ask: Ask, wanted: dict[str, tuple[str, ...]], ids: QuerySet,
                 region_path: str | None) -> dict[str, dict]:
    """grouped_counts_many for a viewer who sees only what is addressed to it (a stationed group's 60,000 problems
    at 1,000,000): the sums of their facts, narrow rows already counted, instead of the conditions evaluated on
    every problem row. The id set is exactly the viewer's visible problems, restrictions included, so no restricted
    problem needs a separate look; those with a timestamp after the as-of day are counted live, as in the snapshot
    way."""
    groupings = {name: _groupings()[name] for name in wanted}
    names = tuple(dict.fromkeys(n for g in wanted for n in wanted[g]))
    ids = _received_about(ids, ask)
    if connection.vendor == "postgresql":
        # The ids first, as one array: given the audience sub-select, PostgreSQL hash-joined it against a scan of
        # every fact (0.5 s a grouping at 1,000,000 problems); by `= ANY(array)` it fetches the period's few per cent
        # in the table's order (a bitmap scan), faster than a lookup per id. The late ones come by the latest_on
        # index (as of today: none) and are kept if visible; with them the problems the trigger listed, whose stored
        # facts may be stale: those are counted live too, and left out of the array here.
        id_list = list(ids.values_list("problem_id", flat=True))
        late, dirty = _late_and_listed(_narrow(KpiFact.objects.filter(_late(ask.as_of)), ask, [], region_path))
        late = late.union(dirty).intersection(id_list)
        listed = set(dirty)
        summed = [pk for pk in id_list if pk not in listed] if listed else id_list
        facts = _narrow(KpiFact.objects.filter(_fact_among(summed)), ask, [], region_path)
    else:  # the trigger lists nothing off PostgreSQL
        facts = _narrow(KpiFact.objects.filter(problem_id__in=ids), ask, [], region_path)
        late = set(facts.filter(_late(ask.as_of)).values_list("problem_id", flat=True))
    tally = _Tally(wanted)
    settled = facts.filter(latest_on__lte=ask.as_of)
    if connection.vendor == "postgresql" and len(groupings) > 1:
        for grouping, rows in _grouped_apart(settled, groupings, names, ask.as_of).items():
            tally.add(rows, 1, [grouping])
    else:  # one pass each: grouped by all keys at once, the rows would multiply
        for grouping, group in groupings.items():
            tally.add(settled.values(**{f"k_{grouping}": group.fact_key})
                      .annotate(**{n: _as_of(n, ask.as_of) for n in wanted[grouping]}), 1, [grouping])
    if late:
        tally.add(_recounted(live, ask, groupings, names, late), 1, list(groupings))
    return tally.counts()


def _grouped_apart(facts: QuerySet, groupings: dict[str, Grouping], names: tuple[str, ...],
                   as_of: dt.date) -> dict[str, list[dict]]:
    """{grouping: its rows ({"k_<grouping>": key, name: sum as of `as_of`})} from ONE statement (PostgreSQL): the
    facts are read once and grouped by each key apart (GROUPING SETS, one hash table each)."""
    members = list(groupings)
    columns = dict.fromkeys(f"c_{n}" for n in [*names, *(BEFORE_DEADLINE.get(n) for n in names)] if n)
    keyed = facts.annotate(**{f"k_{g}": groupings[g].fact_key for g in members})
    inner, params = keyed.values(*(f"k_{g}" for g in members), "handle_deadline", *columns).query.sql_with_params()
    sums, sum_params = [], []
    for name in names:
        if name in BEFORE_DEADLINE:  # as _as_of
            instead = BEFORE_DEADLINE[name]
            sums.append(f"SUM(CASE WHEN handle_deadline >= %s THEN {f'c_{instead}' if instead else '0'} "
                        f"ELSE c_{name} END)")
            sum_params.append(as_of)
        else:
            sums.append(f"SUM(c_{name})")
    keys = [f"k_{g}" for g in members]
    sql = (f"SELECT {', '.join(f'GROUPING({k})' for k in keys)}, {', '.join(keys)}, {', '.join(sums)} "
           f"FROM ({inner}) AS facts GROUP BY GROUPING SETS ({', '.join(f'({k})' for k in keys)})")
    result: dict[str, list[dict]] = {g: [] for g in members}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sum_params, *params])
        for row in cursor.fetchall():
            index = row[:len(members)].index(0)  # GROUPING(k) is 0 for the key the row is grouped by
            grouping = members[index]
            counts = dict(zip(names, row[2 * len(members):], strict=True))
            result[grouping].append({f"k_{grouping}": row[len(members) + index], **counts})
    return result


def _ids(ids: list[int]) -> Any:
    """`ids` for a pk__in: on PostgreSQL one array parameter (thousands of placeholders cost ~25 ms per request to
    build, send and plan at 1,000,000 problems), elsewhere the list."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def _live_counts(live: QuerySet[Problem], ask: Ask, grouping: str, names: tuple[str, ...]) -> dict[Any, dict]:
    counts = {name: Count("pk", filter=kpis.counted(name, ask.as_of)) for name in names}
    grouped = live.values(kpi_group=_groupings()[grouping].live_key).annotate(**counts)
    return {_key(row.pop("kpi_group")): row for row in grouped}


def _key(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value
