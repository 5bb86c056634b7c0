"""KPI snapshots stay exact: every grouping, as of any day, equals the live count over the records, through late
state changes, merges, reopenings and restrictions; the rebuild command gives back the same snapshot."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F

from qingshan.audit.models import AuditEvent
from qingshan.dashboards import counting
from qingshan.dashboards.counting import GROUPINGS, Ask, grouped_counts
from qingshan.dashboards.models import COUNTED_NAMES, KpiFact, KpiSnapshot
from qingshan.dashboards.selectors import _period_problems, kpi_table
from qingshan.dashboards.snapshots import (
    COUNTED,
    SNAPSHOT_KEY,
    check_snapshots,
    compact_snapshots,
    fold_dirty,
    rebuild_snapshots,
    snapshot_totals,
    upkeep_paused,
)
from qingshan.problems import kpis, services
from qingshan.problems.choices import Action, State
from qingshan.problems.models import Problem

from .conftest import approve, d, on, reply

FROM, TO = dt.date(2026, 1, 1), dt.date(2026, 4, 30)
DAYS = [d(3, 1), d(3, 2), d(3, 10), d(3, 20), d(3, 21), d(3, 26), d(4, 30), d(5, 21), d(12, 31)]
NAMES = tuple(COUNTED)


def _nonzero(counts: dict) -> dict:
    return {key: values for key, values in counts.items() if any(values.values())}


def _both(user, as_of, grouping, *, region_id=None, received_from=FROM, received_to=TO, monkeypatch):
    """(snapshot or facts answer, live answer) for one grouping, groups with nothing counted left out."""
    ask = Ask(user, received_from, received_to, as_of, region_id)
    live_problems = _period_problems(user=user, received_from=received_from, received_to=received_to)
    if region_id is not None:
        from qingshan.orgs.models import Region
        live_problems = live_problems.filter(region_path__startswith=Region.objects.get(pk=region_id).path)
    assert counting._district_prefixes(ask) or counting._addressed_scope(ask), \
        "the snapshot or the facts must answer for this viewer"
    snapshot = grouped_counts(live_problems, ask, grouping, NAMES)
    with monkeypatch.context() as m:
        m.setattr(counting, "_district_prefixes", lambda ask: None)
        m.setattr(counting, "_addressed_scope", lambda ask: None)
        live = grouped_counts(live_problems, ask, grouping, NAMES)
    return _nonzero(snapshot), _nonzero(live)


def assert_exact(w, monkeypatch, days=DAYS, users=None):
    for user in users or [w.officer, w.leader, w.district_staff, w.group_staff]:
        for as_of in days:
            for grouping in GROUPINGS:
                snapshot, live = _both(user, as_of, grouping, monkeypatch=monkeypatch)
                assert snapshot == live, (user, as_of, grouping)


def test_the_counted_names_are_the_kpi_conditions_and_the_overview_extras():
    assert set(COUNTED_NAMES) == set(kpis.CONDITIONS) | set(kpis.EXTRA_CONDITIONS)


def test_snapshot_equals_live_on_the_history_for_every_grouping_and_day(history, monkeypatch):
    assert KpiSnapshot.objects.exists()
    assert_exact(history, monkeypatch)


def test_the_facts_of_what_is_addressed_equal_live_for_groups_units_and_partners(history, monkeypatch):
    w = history
    with on(d(4, 24)):  # something addressed to the partner too
        services.problem_share(actor=w.officer, problem=w.p.B, partner=w.partner, reason="请协助核查")
    assert_exact(w, monkeypatch, users=[w.group_staff, w.eco_handler, w.water_handler, w.partner_staff])
    total = kpi_table(user=w.group_staff, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    assert (total.counts["received"], total.counts["closed"], total.counts["duplicates"]) == (3, 3, 1)  # A B C, F


def test_every_grouping_counted_together_from_the_facts_equals_each_live(history, monkeypatch):
    w = history  # the overview counts several groupings at once (on PostgreSQL in one statement)
    with on(d(4, 24)):
        services.problem_restrict(actor=w.officer, problem=w.p.B, users=[w.leader], reason="涉及领导干部")
    for user in [w.group_staff, w.eco_handler, w.water_handler]:
        for as_of in DAYS:
            problems = _period_problems(user=user, received_from=FROM, received_to=TO)
            together = counting.grouped_counts_many(problems, Ask(user, FROM, TO, as_of),
                                                    dict.fromkeys(GROUPINGS, NAMES))
            for grouping in GROUPINGS:
                live = _both(user, as_of, grouping, monkeypatch=monkeypatch)[1]
                assert _nonzero(together[grouping]) == live, (user, as_of, grouping)


def test_snapshot_equals_live_for_a_chosen_district(history, monkeypatch):
    w = history
    for as_of, received in [(d(3, 20), 1), (d(4, 30), 2)]:  # D, then D and E
        snapshot, live = _both(w.officer, as_of, "unit", region_id=w.jiangan.pk, monkeypatch=monkeypatch)
        assert snapshot == live and sum(v["received"] for v in live.values()) == received


def test_the_kpi_table_through_the_snapshot_keeps_the_hand_worked_figures(history):
    total = kpi_table(user=history.leader, group_by="region", as_of=d(4, 30), received_from=FROM,
                      received_to=TO)[-1]
    assert (total.counts["received"], total.counts["closed"], total.counts["overdue"]) == (7, 4, 1)


def test_a_late_state_change_moves_today_and_not_the_past(history, monkeypatch):
    w = history
    before = kpi_table(user=w.officer, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    with on(d(5, 6)):  # D, overdue since 03-21, is finally replied and closed in May
        reply(w.water_handler, w.p.D)
        approve(w.officer, w.p.D)
    after_april = kpi_table(user=w.officer, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    # As of April only the counters moved (they are counted as recorded now, domain §10): D has been reviewed.
    assert after_april.counts == before.counts | {"reviewed": before.counts["reviewed"] + 1}
    may = kpi_table(user=w.officer, group_by="unit", as_of=d(5, 6), received_from=FROM, received_to=TO)[-1]
    assert (may.counts["closed"], may.counts["overdue"]) == (before.counts["closed"] + 1, 0)
    assert_exact(w, monkeypatch, days=[d(4, 30), d(5, 5), d(5, 6), d(12, 31)])


def test_a_merge_after_closing_others_and_a_rejection_stay_exact(history, monkeypatch):
    w = history
    with on(d(4, 22)):
        services.problem_merge(actor=w.officer, duplicate=w.p.E, primary=w.p.D, reason="同一点位")
    e = Problem.objects.get(pk=w.p.E.pk)
    assert e.state == State.MERGED
    assert_exact(w, monkeypatch, days=[d(4, 21), d(4, 22), d(4, 30), d(6, 1)])
    total = kpi_table(user=w.officer, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    assert (total.counts["received"], total.counts["duplicates"]) == (6, 2)


def test_a_reopened_problem_leaves_the_closed_count(history, monkeypatch):
    w = history
    closed_in_march = kpi_table(user=w.officer, group_by="region", as_of=d(3, 31), received_from=FROM,
                                received_to=TO)[-1].counts["closed"]
    assert closed_in_march == 4  # A B C H
    with on(d(4, 23)):  # H, closed on 03-10, is reopened (as an administrator's correction of the record would)
        h = Problem.objects.get(pk=w.p.H.pk)
        h.state, h.closed_at, h.closed_on_time = State.IN_PROGRESS, None, None
        h.save()
    assert_exact(w, monkeypatch, days=[d(3, 10), d(3, 31), d(4, 23), d(4, 30)])
    total = kpi_table(user=w.officer, group_by="region", as_of=d(3, 31), received_from=FROM, received_to=TO)[-1]
    assert total.counts["closed"] == 3  # counted as recorded now: H is no longer closed


def test_a_rejection_after_a_reply_stays_exact(history, monkeypatch):
    w = history
    with on(d(4, 21)):
        services.problem_start(actor=w.water_handler, problem=w.p.E)
        reply(w.water_handler, w.p.E)
    with on(d(4, 22)):
        services.problem_review(actor=w.officer, problem=w.p.E, decision=Action.REJECT, comment="照片不清")
    assert_exact(w, monkeypatch, days=[d(4, 21), d(4, 22), d(5, 21)])
    total = kpi_table(user=w.officer, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    assert (total.counts["reviewed"], total.counts["rejected"]) == (5, 2)


def test_a_restricted_problem_is_counted_only_for_the_named(history, monkeypatch):
    w = history
    with on(d(4, 24)):
        services.problem_restrict(actor=w.officer, problem=w.p.D, users=[w.leader], reason="涉及领导干部")
    assert_exact(w, monkeypatch, days=[d(3, 21), d(4, 30)], users=[w.leader, w.readonly, w.district_staff])
    fold_dirty()  # and once the worker has computed D's fact again
    assert KpiFact.objects.get(problem_id=w.p.D.pk).is_restricted
    assert_exact(w, monkeypatch, days=[d(3, 21), d(4, 30)], users=[w.leader, w.readonly, w.district_staff])
    named = kpi_table(user=w.leader, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    other = kpi_table(user=w.readonly, group_by="unit", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    assert (named.counts["overdue"], named.counts["received"]) == (1, 7)
    assert (other.counts["overdue"], other.counts["received"]) == (0, 6)  # not named: D is not there


def test_a_restricted_problem_is_counted_for_a_group_only_when_it_is_named(history, monkeypatch):
    w = history
    with on(d(4, 24)):
        services.problem_restrict(actor=w.officer, problem=w.p.B, users=[w.leader], reason="涉及领导干部")
        services.problem_restrict(actor=w.officer, problem=w.p.C, users=[w.group_staff], reason="涉及领导干部")
    assert_exact(w, monkeypatch, days=[d(3, 21), d(4, 30)], users=[w.group_staff, w.eco_handler])
    group = kpi_table(user=w.group_staff, group_by="region", as_of=d(4, 30), received_from=FROM, received_to=TO)[-1]
    assert (group.counts["received"], group.counts["rejected"]) == (2, 1)  # A and C: B names only the leader


def _snapshot_rows():
    fold_dirty()  # the facts of problems written since are computed by the worker's fold (PostgreSQL)
    return sorted(snapshot_totals().items())


def _facts():
    fold_dirty()
    return sorted(KpiFact.objects.values_list())


def test_the_rebuild_gives_back_the_incrementally_kept_snapshot(history):
    with on(d(4, 25)):
        services.problem_urge(actor=history.officer, problem=history.p.E, note="请加快")
    kept_rows, kept_facts = _snapshot_rows(), _facts()
    assert kept_rows and len(kept_facts) == Problem.objects.count()
    assert rebuild_snapshots() == Problem.objects.count()
    assert _snapshot_rows() == kept_rows
    assert _facts() == kept_facts


def test_the_rebuild_command_repairs_writes_that_bypassed_save(history, monkeypatch):
    w = history
    # A bulk write past the upkeep (as a loader would do): the snapshot is stale until rebuilt.
    with upkeep_paused():
        Problem.objects.filter(pk=w.p.G.pk).update(state=State.MERGED, merged_into=w.p.A)
    stale, live = _both(w.officer, d(4, 30), "region", monkeypatch=monkeypatch)
    assert stale != live
    call_command("rebuild_kpi_snapshots", stdout=open("/dev/null", "w"))
    assert_exact(w, monkeypatch, days=[d(3, 2), d(4, 30)])


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_a_viewer_outside_whole_districts_is_counted_from_what_is_addressed_to_it(history, grouping):
    w = history
    ask = Ask(w.water_handler, FROM, TO, d(4, 30))
    assert counting._district_prefixes(ask) is None and counting._addressed_scope(ask) is not None
    counts = grouped_counts(_period_problems(user=w.water_handler, received_from=FROM, received_to=TO), ask,
                            grouping, NAMES)
    assert sum(v["received"] for v in counts.values()) == 2  # D and E, led by 水务局


def test_a_region_below_a_district_is_counted_live(history, monkeypatch):
    w = history
    ask = Ask(w.housing_handler, FROM, TO, d(4, 30), w.town.pk)
    assert counting._district_prefixes(ask) is None and counting._addressed_scope(ask) is None
    live = _period_problems(user=w.housing_handler, received_from=FROM, received_to=TO).filter(
        region_path__startswith=w.town.path)
    assert sum(v["received"] for v in grouped_counts(live, ask, "unit", NAMES).values()) == 1  # H


def test_the_nightly_check_finds_nothing_on_snapshots_kept_by_the_hook(history):
    with on(d(4, 25)):
        services.problem_urge(actor=history.officer, problem=history.p.E, note="请加快")
    result = check_snapshots()
    assert (result.facts, result.snapshot_rows, result.drifted) == (0, 0, False)
    assert not AuditEvent.objects.filter(object_type="dashboards.kpi_snapshot").exists()


def test_the_nightly_sweep_repairs_writes_that_bypassed_save_and_audits_it(history, monkeypatch, client):
    w = history
    # A bulk write past the upkeep; a snapshot row is also damaged directly.
    with upkeep_paused():
        Problem.objects.filter(pk=w.p.G.pk).update(state=State.MERGED, merged_into=w.p.A)
    KpiSnapshot.objects.filter(dim="source").update(n_received=F("n_received") + 5)
    damaged = KpiSnapshot.objects.filter(dim="source").values(*SNAPSHOT_KEY).distinct().count()
    stale, live = _both(w.officer, d(4, 30), "region", monkeypatch=monkeypatch)
    assert stale != live
    out = io.StringIO()
    call_command("run_scheduled", "--only", "dashboards.snapshot_check", stdout=out)
    assert out.getvalue().strip() == f"指标快照核对：修复问题指标事实 1 个、快照 {damaged} 行（已记入审计日志）。"
    assert_exact(w, monkeypatch, days=[d(3, 2), d(4, 30)])
    repaired = _snapshot_rows()
    rebuild_snapshots()  # what the full rebuild from the records gives
    assert _snapshot_rows() == repaired
    event = AuditEvent.objects.get(object_type="dashboards.kpi_snapshot", action="repair")
    assert event.payload["problem_ids"] == [w.p.G.pk] and "1 个问题的指标事实与记录不符" in event.reason
    # The administrator sees the repair in the audit log's admin.
    admin = type(w.officer).objects.create_superuser("root", password="x-Long-Enough-1")
    client.force_login(admin)
    page = client.get("/admin/audit/auditevent/", {"object_type": "dashboards.kpi_snapshot"})
    assert page.status_code == 200 and "dashboards.kpi_snapshot" in page.content.decode()
    # The next night finds nothing more.
    out = io.StringIO()
    call_command("run_scheduled", "--only", "dashboards.snapshot_check", stdout=out)
    assert out.getvalue().strip() == "指标快照核对：与实时计数一致。"



def test_problems_registered_together_are_counted_as_if_saved_one_by_one(history, monkeypatch):
    """Bulk registration (a hotline import) sends no post_save: its facts and snapshot rows come from the bulk hook,
    and the nightly check finds nothing to repair; every grouping still equals the live count."""
    w = history
    items = [services.NewProblem(title=f"热线问题 {i}", description="夜间施工噪声扰民", source=w.hotline,
                                 category=w.air_pollution if i % 2 else w.water_pollution,
                                 region=w.town if i % 3 else w.jiangan) for i in range(7)]
    with on(d(3, 20), hour=10):
        made = services.problems_register(actor=w.officer, items=items)
    assert_exact(w, monkeypatch, days=[d(3, 20), d(12, 31)])
    fold_dirty()
    assert KpiFact.objects.filter(problem_id__in=[p.pk for p in made]).count() == 7
    result = check_snapshots()
    assert (result.facts, result.snapshot_rows, result.drifted) == (0, 0, False)
    assert_exact(w, monkeypatch, days=[d(3, 20), d(3, 21), d(12, 31)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger keeping the facts is PostgreSQL's")
def test_on_postgresql_writes_that_bypass_save_are_kept_by_the_trigger(history, monkeypatch):
    w = history
    Problem.objects.filter(pk=w.p.G.pk).update(state=State.MERGED, merged_into=w.p.A)
    Problem.objects.filter(pk=w.p.E.pk).update(urge_count=F("urge_count") + 1)
    # One statement writing several rows, some of whose facts change (red_open), some not (closed or merged ones).
    Problem.objects.filter(pk__in=[w.p.A.pk, w.p.B.pk, w.p.D.pk, w.p.G.pk]).update(escalation_level=3)
    assert_exact(w, monkeypatch, days=[d(3, 2), d(4, 30)])
    assert check_snapshots().drifted is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the save hook's one-problem statement is PostgreSQL's")
def test_on_postgresql_without_the_trigger_the_save_hook_keeps_the_snapshot_exact(history, monkeypatch):
    from qingshan.dashboards import snapshots

    w = history
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check may be pending for the ALTER
        cursor.execute(f"ALTER TABLE {Problem._meta.db_table} DISABLE TRIGGER USER")
    monkeypatch.setattr(snapshots, "_triggered", {})
    with on(d(4, 22)):
        services.problem_merge(actor=w.officer, duplicate=w.p.E, primary=w.p.D, reason="同一点位")
    with on(d(5, 6)):
        reply(w.water_handler, w.p.D)
        approve(w.officer, w.p.D)
    assert_exact(w, monkeypatch, days=[d(4, 21), d(4, 22), d(5, 6), d(12, 31)])
    assert check_snapshots().drifted is False


def dirty_ids() -> list[int]:
    """The problems the trigger listed and the fold has not yet recomputed."""
    from qingshan.dashboards.models import KpiDirty

    return list(KpiDirty.objects.values_list("problem_id", flat=True))


def _rows_per_key() -> list[int]:
    return list(KpiSnapshot.objects.values(*SNAPSHOT_KEY).annotate(rows=Count("pk")).values_list("rows", flat=True))


def test_transitions_append_their_differences_and_compaction_folds_them_without_changing_a_count(history,
                                                                                                   monkeypatch):
    """A transition appends its change as rows (no row of a busy day is rewritten in place); the worker's compaction
    folds each key's rows into one and drops keys summing to nothing, and every figure stays what it was."""
    w = history
    with on(d(4, 25)):
        services.problem_urge(actor=w.officer, problem=w.p.E, note="请加快")
        services.problem_escalate(actor=w.officer, problem=w.p.D, level=3, reason="超期未办结")  # D was folded
    fold_dirty()
    assert max(_rows_per_key()) > 1  # D's change was appended to keys that had rows
    totals = snapshot_totals()
    removed = compact_snapshots()
    assert removed > 0 and set(_rows_per_key()) == {1}
    assert snapshot_totals() == totals
    assert all(any(row[4:]) for row in KpiSnapshot.objects.values_list(*SNAPSHOT_KEY, *(f"n_{n}" for n in COUNTED)))
    assert_exact(w, monkeypatch, days=[d(3, 2), d(4, 30)])
    assert compact_snapshots() == 0  # nothing left to fold
    with on(d(4, 26)):  # appending goes on after a fold
        services.problem_urge(actor=w.officer, problem=w.p.D, note="请加快")
    assert_exact(w, monkeypatch, days=[d(4, 30)])
    out = io.StringIO()
    call_command("run_scheduled", "--only", "dashboards.snapshot_compact", stdout=out)
    assert out.getvalue().strip().startswith("指标快照合并：合并掉 ") and set(_rows_per_key()) == {1}
    assert_exact(w, monkeypatch, days=[d(4, 30)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger listing written problems is PostgreSQL's")
def test_a_transition_only_lists_its_problem_and_the_fold_computes_the_fact(history, monkeypatch):
    """What a transition pays is one row in the list; until the worker's fold, the problem is counted live (every
    figure exact), after it from its new fact; a fold with nothing listed does nothing."""
    from qingshan.dashboards.models import KpiDirty
    w = history
    fold_dirty()
    before = KpiFact.objects.get(problem_id=w.p.D.pk)
    with on(d(4, 24)):
        services.problem_escalate(actor=w.officer, problem=w.p.D, level=3, reason="超期未办结")
    assert dirty_ids() == [w.p.D.pk]
    assert KpiFact.objects.get(problem_id=w.p.D.pk).c_red_open == before.c_red_open == 0  # not yet recomputed
    assert_exact(w, monkeypatch, days=[d(4, 24), d(4, 30)])
    assert fold_dirty() == 1 and not KpiDirty.objects.exists()
    assert KpiFact.objects.get(problem_id=w.p.D.pk).c_red_open == 1
    assert_exact(w, monkeypatch, days=[d(4, 24), d(4, 30)])
    assert fold_dirty() == 0
    out = io.StringIO()
    with on(d(4, 25)):
        services.problem_urge(actor=w.officer, problem=w.p.E, note="请加快")
    call_command("run_scheduled", "--only", "dashboards.fact_fold", stdout=out)
    assert out.getvalue().strip() == "指标事实更新：更新问题 1 个。" and not KpiDirty.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's fold runs on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_page_reads_the_snapshot_and_the_facts_at_one_moment():
    """Outside a transaction (a page request) the counting statements share one read-only repeatable-read
    transaction, so a fold committing between them cannot count a change twice; inside one it changes nothing."""
    with counting._one_snapshot(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone()[0] == "repeatable read"
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone()[0] == "on"
    with counting._one_snapshot(), connection.cursor() as cursor:  # and a later page gets its own moment again
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone()[0] == "repeatable read"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's fold runs on PostgreSQL")
def test_the_nightly_check_does_not_call_a_listed_problem_drift(history):
    """A problem written since its fact was computed is pending, not drifted: the check leaves it to the fold."""
    from qingshan.dashboards.snapshots import _drifted_facts

    w = history
    with on(d(4, 25)):
        services.problem_escalate(actor=w.officer, problem=w.p.D, level=3, reason="超期未办结")
    assert w.p.D.pk in dirty_ids() and w.p.D.pk not in _drifted_facts()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's fold runs on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_fold_waits_while_the_check_holds_the_snapshots(history, monkeypatch):
    """Another worker's fold does not commit between the nightly check's statements: it waits for the check's lock,
    then folds, and every figure is exact."""
    import threading

    from qingshan.dashboards.snapshots import _lock

    w = history
    with on(d(4, 25)):
        services.problem_escalate(actor=w.officer, problem=w.p.D, level=3, reason="超期未办结")
    pending = set(dirty_ids())
    assert w.p.D.pk in pending
    folded: list[int] = []

    def other_worker():
        try:
            folded.append(fold_dirty())
        finally:
            connection.close()

    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)  # as the check holds it
        fold = threading.Thread(target=other_worker)
        fold.start()
        fold.join(1.5)
        assert fold.is_alive() and folded == []  # waiting, nothing claimed
        assert set(dirty_ids()) == pending
    fold.join(30)
    assert folded == [len(pending)] and dirty_ids() == []
    assert_exact(w, monkeypatch, days=[d(4, 30)])
