"""Every role's 问题清单, detail and 我的待办 stay cheap: a bounded count, a fixed number of queries per role, and a
visibility rule the databases can answer from indexes (no per-row subquery on SQLite, no sequential scan of the
problems table on PostgreSQL)."""
import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from qingshan.access.problems import visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.core import paging
from qingshan.problems import audience, selectors
from qingshan.problems.choices import State
from qingshan.problems.models import Assignment, Problem
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db

ROLES = ("officer", "office_head", "xinfang", "leader", "readonly", "group_staff", "district_staff", "eco_handler",
         "eco_head", "water_handler", "partner_staff")


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def test_a_list_longer_than_the_bound_says_so_and_counts_no_further(client, world, monkeypatch):
    for _ in range(3):
        drive_to(world, State.DISPATCHED)
    monkeypatch.setattr(paging, "COUNT_BOUND", 2)
    client.force_login(world.eco_handler)
    body = client.get(reverse("problems:list")).content.decode()
    assert "共 2+ 条" in body
    monkeypatch.setattr(paging, "COUNT_BOUND", 3)
    assert "共 3 条" in client.get(reverse("problems:list")).content.decode()


def test_the_count_past_ten_thousand_reads_in_chinese(world):
    paginator = paging.BoundedPaginator(Problem.objects.all(), 30, bound=10_000)
    paginator.__dict__["_bounded_count"] = 10_001  # what the LIMITed count answers for a larger table
    assert (paginator.count, paginator.count_label, paginator.num_pages_label) == (10_000, "1万+", "334+")


def test_a_distinct_count_is_exact_within_the_bound_and_bounded_beyond_it_however_often_ids_repeat(world):
    # Each problem has several events: ids repeat, so every path of the prefix count is taken across the bounds.
    for state in (State.DISPATCHED, State.REPLIED, State.IN_PROGRESS):
        drive_to(world, state)
    ids = AuditEvent.objects.filter(object_type="problems.problem").values("object_id").distinct()
    exact = len(set(AuditEvent.objects.filter(object_type="problems.problem").values_list("object_id", flat=True)))
    assert exact >= 3
    for bound in (1, 2, exact - 1, exact, exact + 1, 1_000):
        paginator = paging.BoundedPaginator(Problem.objects.none(), 30, bound=bound, count_ids=ids)
        assert (paginator.count, paginator.is_bounded) == (min(exact, bound), exact > bound), bound


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_list_detail_and_inbox_run_a_fixed_number_of_queries(client, world, role, assert_query_baseline,
                                                                         django_assert_max_num_queries):
    for state in (State.DISPATCHED, State.IN_PROGRESS, State.REPLIED):
        drive_to(world, state)
    user = getattr(world, role)
    client.force_login(user)
    client.get(reverse("inbox"))  # the session and the first-visit work are not what is measured
    with assert_query_baseline("list page") as small:
        assert client.get(reverse("problems:list")).status_code == 200
    for _ in range(4):
        drive_to(world, State.SIGNED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("problems:list"))
    problem = visible_problems(user).first()
    if problem is not None:
        with assert_query_baseline("detail page"):
            assert client.get(reverse("problems:detail", args=[problem.pk])).status_code == 200
    with assert_query_baseline("inbox page"):
        assert client.get(reverse("inbox")).status_code == 200


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
@pytest.mark.parametrize("role", ["eco_handler", "group_staff", "partner_staff"])
def test_on_sqlite_visibility_is_no_subquery_per_problem_row(world, role):
    # A correlated subquery ran once per problem row: seconds for a unit handler on the 20,000-problem demo.
    sql, params = visible_problems(getattr(world, role)).order_by("-received_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    assert not [step for step in plan if "CORRELATED" in step], plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("role", ["officer", "group_staff", "eco_handler", "water_handler", "partner_staff"])
def test_on_postgresql_the_scoped_list_page_reads_no_whole_problems_table(world, role):
    _bulk_problems(world, 20_000)
    listing = visible_problems(getattr(world, role)).order_by("-received_at", "-id")
    _assert_no_seq_scan(f"{role} page", listing[:30])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize(("role", "unread"), [
    ("group_staff", "problems_problem(audience)?"), ("eco_handler", "problems_problem(audience)?"),
    ("partner_staff", "problems_problem(audience)?"),
    # 24 in 50 of the bulk problems are led by water_handler's unit: reading the whole audience table is right there.
    ("water_handler", "problems_problem"),
])
def test_on_postgresql_the_scoped_bounded_count_reads_no_whole_problems_table(world, role, unread):
    # An office sees the whole city: its bounded count may read the table from the start, as it stops after
    # COUNT_BOUND rows. A unit's, a co-unit's, a group's or a partner's problems are counted, unfiltered, from the
    # audience table alone (its copy of the restriction flag): with the flag on the problem PostgreSQL hash-joined
    # a correctly estimated few percent of the table against a sequential scan of it (bench/RESULTS_pages_audience.md).
    # Nor, for the few percent, a sequential scan of the audience table.
    _bulk_problems(world, 20_000)
    user = getattr(world, role)
    _, filterset = selectors.problem_list(user=user, params={"ordering": "-received_at"})
    count_ids = selectors.problem_list_count_ids(user=user, filterset=filterset)
    assert count_ids is not None
    _assert_no_seq_scan(f"{role} count", count_ids.order_by()[:paging.COUNT_BOUND + 1], count=True, table=unread)
    assert count_ids.count() == visible_problems(user).count()


@pytest.mark.parametrize("role", ROLES)
def test_every_roles_list_shows_the_total_it_may_see_filtered_or_not(client, world, role):
    """The unfiltered total comes from the audience table for units, groups and partners: it is the same number as
    the problems they may open, a problem counted once however many of their organisations it is addressed to."""
    w = world
    for state in (State.DISPATCHED, State.IN_PROGRESS, State.REPLIED, State.SIGNED, State.CLOSED):
        drive_to(w, state)
    # Led by a unit its stationed group supervises, registered by the group, with a co-unit, transferred to the
    # partner: addressed to several organisations of the same people at once.
    from qingshan.problems import services

    many = drive_to(w, State.IN_PROGRESS)
    services.problem_share(actor=w.officer, problem=many, partner=w.partner, reason="协作")
    hidden = drive_to(w, State.SIGNED)
    services.problem_restrict(actor=w.officer, problem=hidden, users=[w.office_head], reason="涉密")
    user = getattr(w, role)
    client.force_login(user)
    for params, expected in (({}, visible_problems(user)),
                             ({"state": State.SIGNED}, visible_problems(user).filter(state=State.SIGNED))):
        body = client.get(reverse("problems:list"), params).content.decode()
        assert f"共 {expected.count()} 条" in body, (role, params)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_on_postgresql_a_partners_open_work_reads_no_whole_problems_table(world):
    # 我的待办 of a partner body (and every queue of "my open problems"): its audience ids joined to the unfinished
    # problems only (problem_open_idx), not a scan of every problem ever received. At 1M problems the scan took
    # 0.9 s a page (bench/RESULTS_pages_audience.md). Here most bulk problems are finished, as on a live system.
    from qingshan.problems import worklist
    from qingshan.problems.models import ProblemAudience

    _bulk_problems(world, 20_000)
    bulk = list(Problem.objects.filter(number__startswith="B").order_by("id").values_list("id", "received_at"))
    Problem.objects.filter(number__startswith="B").exclude(id__in=[pk for pk, _ in bulk[:600]]).update(
        state=State.CLOSED)  # 3 % unfinished
    # One in ten transferred to the partner over the years (at 1M: 7,847 rows, 339 of them unfinished).
    ProblemAudience.objects.bulk_create([ProblemAudience(problem_id=pk, organisation=world.partner, received_at=at)
                                         for pk, at in bulk[::10]], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = world.partner_staff
    shared = worklist._shared(user, {})
    assert shared is not None
    _assert_no_seq_scan("partner's open work, count", shared.order_by(), count=True)
    _assert_no_seq_scan("partner's open work, page", shared.order_by(*worklist.FEW_ORDERING)[:30])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_on_postgresql_a_groups_few_candidate_queues_probe_the_audience_per_candidate(world):
    # 我的待办 of a stationed group: 待交办, 待审核 and 延期待审批 pick a few thousand problems of the city at most
    # by their own columns, then probe each one's audience rows on (problem, organisation). As an id set,
    # PostgreSQL hash-joined the group's whole audience to them in the one-statement counts (待审核 at 1,000,000
    # problems: 93,105 audience rows hashed in 22 ms for 2,798 candidates that are probed in 6 ms).
    from django.test.utils import CaptureQueriesContext

    from qingshan.core.worklist import queue_counts, work_queues

    _bulk_problems(world, 20_000)
    bulk = list(Problem.objects.filter(number__startswith="B").order_by("id").values_list("id", flat=True))
    Problem.objects.filter(id__in=bulk[::20]).update(state=State.REPLIED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = world.group_staff
    queues = [q for q in work_queues(user=user) if q.key in {"to_dispatch", "to_review", "extensions"}]
    assert len(queues) == 3
    with CaptureQueriesContext(connection) as captured:
        counts = queue_counts(queues)
    assert counts["to_review"][0] == visible_problems(user).filter(state=State.REPLIED).count() > 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    audience_reads = [line.strip() for line in plan if "problems_problemaudience" in line]
    assert audience_reads and all(line.startswith("->  Index Only Scan using uniq_problem_audience")
                                  for line in audience_reads), "\n".join(plan)
    assert not [line for line in plan if "Hash" in line and "Join" in line], "\n".join(plan)


def _assert_no_seq_scan(name: str, queryset, *, count: bool = False, table: str = "problems_problem") -> None:
    sql, params = queryset.query.sql_with_params()
    if count:
        sql = f"SELECT COUNT(*) FROM ({sql}) AS bounded"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert not re.search(rf"Seq Scan on {table}\b", plan), f"{name}:\n{plan}"


def _bulk_problems(w, n: int) -> None:
    """`n` problems spread over the city's units (one in fifty for 市生态环境局, each with its lead assignment),
    written in bulk and analysed, so that the planner sees a table the size where plans matter."""
    template = drive_to(w, State.SIGNED)
    units = [w.eco, *[w.water] * 24, *[w.lvshui_housing] * 25]
    now = timezone.now()
    fields = {f.attname: getattr(template, f.attname) for f in Problem._meta.concrete_fields if not f.primary_key}
    rows = []
    for i in range(n):
        unit = units[i % len(units)]
        rows.append(Problem(**{**fields, "number": f"B{i:08d}", "lead_unit_id": unit.pk,
                               "received_at": now - dt.timedelta(minutes=i), "received_on": (now - dt.timedelta(
                                   minutes=i)).date()}))
    created = Problem.objects.bulk_create(rows, batch_size=2000)
    Assignment.objects.bulk_create([Assignment(problem=p, unit_id=p.lead_unit_id, role="lead", assigned_at=now)
                                    for p in created], batch_size=2000)
    audience.rebuild()  # written past the services, like the demo's history
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.parametrize("role", ["eco_handler", "eco_head", "water_handler", "district_staff", "officer"])
def test_a_units_queues_start_from_its_led_problems_without_the_visibility_id_set(client, world, role):
    from django.test.utils import CaptureQueriesContext

    from qingshan.access.actors import profile_of
    from qingshan.access.problems import led_problems
    from qingshan.problems import services

    for state in (State.DISPATCHED, State.IN_PROGRESS, State.REPLIED, State.SIGNED):
        drive_to(world, state)
    hidden = drive_to(world, State.SIGNED)  # restricted to others: the unit's handler no longer sees it
    services.problem_restrict(actor=world.officer, problem=hidden, users=[world.officer], reason="涉密")
    user = getattr(world, role)
    units = profile_of(user).unit_ids
    led = led_problems(user)
    if not units:
        assert led is None
        return
    assert set(led) == set(visible_problems(user).filter(lead_unit_id__in=units))  # the same rows, always
    client.force_login(user)
    client.get(reverse("inbox"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("inbox")).content.decode()
    assert hidden.number not in page
    # The problems' queues' counts and page: queries of the problems table itself (the counts of every queue are one
    # UNION ALL query, core.worklist.queue_counts). None of them reads the visibility id set (the audience table).
    problem_queries = [q["sql"] for q in captured.captured_queries
                       if q["sql"].split(" FROM ", 1)[-1].startswith('"problems_problem"')]
    assert problem_queries and not [sql for sql in problem_queries if "problems_problemaudience" in sql], \
        problem_queries


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_on_postgresql_the_app_never_jit_compiles_its_queries(world):
    # At 1,000,000 problems the visibility subqueries' estimated cost set off JIT compilation: 2.45 s of compiling
    # for a stationed group's unread-reminder count that runs in 12 ms (bench/RESULTS_pages.md).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
