"""manage.py seed_demo: a small demo city is reproducible, consistent with the work loop's rules, and usable."""
import datetime as dt
import hashlib
import json
import tempfile
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from qingshan.access.crypto import decrypt, mask_name, mask_phone
from qingshan.access.problems import capacity_for
from qingshan.audit.models import AuditEvent
from qingshan.audit.verify import verify_chain
from qingshan.dashboards.models import RegionBoundary
from qingshan.demo.city import ADMIN_LOGIN, DEMO_LOGINS, DEMO_PASSWORD
from qingshan.demo.history import rows as history_rows
from qingshan.orgs.choices import UNIT_ROLES
from qingshan.orgs.models import Membership, Organisation, User
from qingshan.problems import kpis, services
from qingshan.problems.choices import CLOSED_STATES, State, Urgency
from qingshan.problems.models import Assignment, Category, NumberCounter, Problem, Source
from qingshan.workdays.calendar import add_working_days, reset_cache
from qingshan.workdays.models import CalendarYear

SEED, COUNT = 7, 400
START, END = dt.date(2026, 5, 20), dt.date(2026, 11, 20)  # six months: dense enough to show every state


class _Rollback(Exception):
    pass


def problem_events():
    """The problems' events (the later demo parts audit supervision slots, data sets and data checks too)."""
    return AuditEvent.objects.filter(object_type="problems.problem")


def _seed(**options) -> str:
    out = StringIO()
    # Each build gets its own DuckDB folder: the data sets' store is not rolled back with the database.
    with override_settings(DATASETS_DIR=Path(tempfile.mkdtemp(prefix="qingshan-seed-"))):
        call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _fingerprint() -> str:
    """A digest of everything a user could see of the demo, by natural keys (ids may differ between databases)."""
    digest = hashlib.sha256()

    def feed(*values):
        digest.update(json.dumps(values, ensure_ascii=False, default=str).encode())

    for user in User.objects.order_by("username").prefetch_related("memberships__organisation"):
        feed(user.username, user.full_name, sorted((m.organisation.name, m.role) for m in user.memberships.all()))
    number_of = dict(Problem.objects.values_list("id", "number"))
    for p in Problem.objects.order_by("number").select_related(
            "source", "category", "region", "lead_unit", "supervising_org", "created_by", "merged_into"):
        feed(p.number, p.title, p.description, p.location, str(p.lng), str(p.lat), p.source.code, p.category.code,
             p.region.code, p.urgency, p.state, p.received_at, p.created_by.username, p.supervising_org.name,
             p.lead_unit and p.lead_unit.name, p.sign_deadline, p.handle_deadline, p.original_handle_deadline,
             p.first_dispatched_at, p.dispatched_at, p.signed_at, p.replied_at, p.closed_at, p.signed_on_time,
             p.replied_on_time, p.closed_on_time, p.review_count, p.rejection_count, p.urge_count,
             p.reassign_count, p.escalation_level, p.revisit_satisfied, p.revisit_resolved,
             p.merged_into and p.merged_into.number, p.is_restricted, getattr(getattr(p, "reporter", None),
                                                                              "phone_masked", None))
    for a in Assignment.objects.order_by("problem__number", "assigned_at", "unit__name").select_related("unit"):
        feed(number_of[a.problem_id], a.unit.name, a.role, a.is_active, a.assigned_at, a.ended_at, a.end_reason)
    for e in problem_events().order_by("seq").select_related("actor", "actor_org"):
        feed(e.seq, number_of[e.object_id], e.action, e.actor.username, e.actor_org.name, e.from_state, e.to_state,
             e.reason, e.payload, e.created_at)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo city for the whole module (built twice with the same seed, and once with another)."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        # Small batches, so that the chain is appended and the rows are written in several rounds, as at scale.
        patch.setattr(history_rows, "EVENT_BATCH", 500)
        patch.setattr(history_rows, "CHUNK", 150)
        runs = []
        for seed, count in ((SEED, COUNT), (SEED + 1, 50)):
            try:
                with transaction.atomic():
                    output = _seed(problems=count, seed=seed, start=START, end=END)
                    runs.append((_fingerprint(), output))
                    raise _Rollback
            except _Rollback:
                reset_cache()
        with transaction.atomic():
            output = _seed(problems=COUNT, seed=SEED, start=START, end=END)
            yield SimpleNamespace(output=output, fingerprint=_fingerprint(), first=runs[0], other_seed=runs[1])
            transaction.set_rollback(True)
        reset_cache()


pytestmark = pytest.mark.usefixtures("demo")


# ---------------------------------------------------------------- reproducibility


def test_the_same_seed_builds_the_same_city_and_history(demo, db):
    fingerprint, output = demo.first
    assert fingerprint == demo.fingerprint
    # The summary figures printed for the user are the same too (everything but the timings).
    figures = [line.split("用时")[0] for line in output.splitlines() if "完成" in line or "状态分布" in line]
    assert figures == [line.split("用时")[0] for line in demo.output.splitlines()
                       if "完成" in line or "状态分布" in line]


def test_another_seed_builds_another_history(demo, db):
    assert demo.other_seed[0] != demo.fingerprint


def test_the_audit_chain_of_the_demo_verifies(db):
    assert AuditEvent.objects.count() > 6 * COUNT
    assert verify_chain() == []
    out = StringIO()
    with pytest.raises(SystemExit) as unanchored:  # never committed, so never checkpointed: a warning
        call_command("verify_audit", stdout=out, stderr=StringIO())
    assert unanchored.value.code == 2
    call_command("verify_audit", stdout=out)  # the first check checkpointed the intact chain
    assert "审计链完整" in out.getvalue()


def test_the_chain_is_in_time_order_and_every_problem_starts_with_its_registration(db):
    times = list(problem_events().order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)
    first = {}
    for object_id, action, actor_id in problem_events().order_by("seq").values_list("object_id", "action",
                                                                                        "actor_id"):
        first.setdefault(object_id, (action, actor_id))
    problems = dict(Problem.objects.values_list("id", "created_by_id"))
    assert first == {pk: ("create", creator) for pk, creator in problems.items()}


def test_no_demo_event_of_any_part_lies_in_the_future(db):
    """History ends at the demo's end day and later parts act now: a 建账 dated next month would look like a bug."""
    assert not AuditEvent.objects.filter(created_at__gt=timezone.now()).exists()
    history_types = {"problems.problem", "supervision.plan", "supervision.item", "supervision.slot",
                     "supervision.report", "supervision.rectification", "supervision.indicator",
                     "supervision.project"}
    last = (AuditEvent.objects.filter(object_type__in=history_types).order_by("-created_at")
            .values_list("created_at", flat=True).first())
    assert timezone.localtime(last).date() <= END


def test_indicator_readings_are_past_and_counted_indicators_read_whole_numbers(db):
    """"新发现排污口数 23.39 个" is no reading anyone would record; nor is one dated after the demo's today."""
    from qingshan.supervision.models import IndicatorReading

    readings = IndicatorReading.objects.select_related("indicator")
    assert readings.exists() and not readings.filter(read_on__gt=END).exists()
    counted = [r for r in readings if r.indicator.counts_things]
    assert counted and all(r.value == r.value.to_integral_value() for r in counted)


# ---------------------------------------------------------------- logins


def test_every_demo_login_exists_can_log_in_and_is_printed(demo, db, client):
    for label, username, role in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert Membership.objects.filter(user=user, role=role).exists(), username
        assert client.login(username=username, password=DEMO_PASSWORD), username
        assert f"{label}" in demo.output and username in demo.output and user.full_name in demo.output
    admin = User.objects.get(username=ADMIN_LOGIN[1])
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    assert f"密码均为 {DEMO_PASSWORD}" in demo.output


def test_demo_people_act_in_the_history(db):
    """The demo logins find work waiting for them: they appear as actors in the history."""
    actors = set(AuditEvent.objects.values_list("actor__username", flat=True))
    assert {"office_staff", "district_staff", "eco_handler", "lvshui_eco", "group_staff"} <= actors


def test_if_empty_does_nothing_but_prints_the_logins(db):
    before = (Organisation.objects.count(), Problem.objects.count(), AuditEvent.objects.count())
    output = _seed(problems=10, seed=1, if_empty=True)
    assert "跳过" in output and "office_staff" in output
    assert (Organisation.objects.count(), Problem.objects.count(), AuditEvent.objects.count()) == before


def test_without_if_empty_a_filled_database_is_refused(db):
    with pytest.raises(CommandError, match="数据库中已有组织机构数据"):
        _seed(problems=10, seed=1)


# ---------------------------------------------------------------- the organisation tree


def test_the_city_has_its_districts_commission_offices_groups_and_units(db):
    district_commissions = Organisation.objects.filter(kind="commission", region__level=2)
    assert sorted(c.region.name for c in district_commissions) == sorted(
        ["青山区", "绿水区", "江岸区", "白鹭湖区", "高新区", "桃源县", "云岭县", "临江县"])
    city_commission = Organisation.objects.get(name="青山市纪委监委")
    offices = set(city_commission.children.filter(kind="office").values_list("short_name", flat=True))
    assert {"信访室", "案件监督管理室", "第一监督检查室", "第四监督检查室", "党风政风监督室", "审查调查室",
            "案件审理室"} <= offices
    groups = Organisation.objects.filter(kind="stationed_group").prefetch_related("supervised_units")
    assert len(groups) == 10 and all(3 <= len(g.supervised_units.all()) <= 5 for g in groups)
    assert Organisation.objects.filter(kind="unit", region__level=1).count() >= 40
    for district in ["绿水区", "桃源县"]:
        units = set(Organisation.objects.filter(kind="unit", region__name=district).values_list("name", flat=True))
        assert {f"{district}生态环境分局", f"{district}住建局", f"{district}城管局", f"{district}农业农村局"} <= units
    assert Organisation.objects.filter(kind="partner", short_name="市污染防治攻坚办").exists()


def test_every_district_has_an_outline_for_the_overview_map(db):
    outlines = RegionBoundary.objects.select_related("region")
    assert sorted(b.region.name for b in outlines) == sorted(
        ["青山区", "绿水区", "江岸区", "白鹭湖区", "高新区", "桃源县", "云岭县", "临江县"])
    assert all(b.geometry["type"] == "Polygon" for b in outlines)


def test_the_2027_calendar_is_entered_as_provisional_and_used(db):
    year = CalendarYear.objects.get(year=2027)
    assert year.is_provisional and "待国务院办公厅通知发布后核对" in year.source
    # The day before 除夕: one working day later is the make-up Sunday after the Spring Festival break.
    assert add_working_days(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 14)
    assert add_working_days(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)


# ---------------------------------------------------------------- consistency with the work loop's rules


def _limits(problem: Problem) -> tuple[int, int]:
    if problem.urgency == Urgency.URGENT:
        return 0, 0
    if problem.source.code in ("central", "provincial"):
        return 1, 20
    return (1, 5) if problem.category.code == "consult" else (1, 15)


def test_states_timestamps_deadlines_and_frozen_flags_agree(db):
    local = timezone.localdate
    problems = list(Problem.objects.select_related("source", "category"))
    last_state = {}
    for object_id, to_state in problem_events().order_by("seq").values_list("object_id", "to_state"):
        last_state[object_id] = to_state
    for p in problems:
        assert last_state[p.pk] == p.state, p.number
        assert p.received_on == local(p.received_at) and p.received_at.year == int(p.number[3:7])
        if p.state in (State.RECEIVED, State.MERGED):
            assert p.first_dispatched_at is None and p.lead_unit_id is None
            assert (p.merged_into_id is not None) == (p.state == State.MERGED)
            continue
        sign_days, handle_days = _limits(p)
        dispatch_day = local(p.dispatched_at)
        assert p.sign_deadline == add_working_days(dispatch_day, sign_days), p.number
        assert p.original_handle_deadline == add_working_days(dispatch_day, handle_days), p.number
        assert p.received_at < p.first_dispatched_at <= p.dispatched_at
        if p.signed_at:
            assert p.signed_on_time == (local(p.signed_at) <= p.sign_deadline)
        else:
            assert p.state in (State.DISPATCHED, State.RETURNED) and p.signed_on_time is None
        if p.replied_at:
            assert p.replied_on_time == (local(p.replied_at) <= p.handle_deadline), p.number
        if p.state in (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS):
            # Not replied yet, or the reply was sent back (发回重办 clears it): the deadline still runs.
            assert p.replied_at is None and p.replied_on_time is None, p.number
        if p.state in CLOSED_STATES:
            assert p.closed_at > p.replied_at and p.closed_on_time == p.replied_on_time
            assert p.review_count == p.rejection_count + 1
        else:
            assert p.closed_at is None and p.closed_on_time is None
        if p.state == State.REVISITED:
            assert p.revisit_satisfied is not None
        if p.handle_deadline != p.original_handle_deadline:
            assert p.extensions.filter(status="approved", requested_deadline=p.handle_deadline).exists()


def test_the_overdue_share_is_two_to_three_percent_give_or_take_sampling(db):
    received = Problem.objects.filter(kpis.received(END)).count()
    overdue = Problem.objects.filter(kpis.overdue(END))
    assert 0.015 <= overdue.count() / received <= 0.04
    # Overdue problems are really open and past due, and most of them have been urged.
    assert all(p.closed_at is None and p.handle_deadline < END for p in overdue)
    assert overdue.filter(urge_count__gte=1).count() >= overdue.count() * 0.8


def test_old_problems_are_mostly_closed_and_recent_ones_spread_over_open_states(db):
    old = Problem.objects.filter(received_on__lt=END - dt.timedelta(days=90)).exclude(state=State.MERGED)
    assert old.filter(state__in=CLOSED_STATES).count() >= 0.95 * old.count()
    open_states = set(Problem.objects.filter(received_on__gte=END - dt.timedelta(days=30))
                      .exclude(state__in=CLOSED_STATES).values_list("state", flat=True))
    assert State.IN_PROGRESS in open_states and len(open_states) >= 2


def test_every_actor_could_have_taken_the_step(db):
    """Supervising steps by the problem's supervisors, unit steps by people of the unit that held it then."""
    unit_actions = {"sign", "start", "reply", "return", "request_extension"}
    leads = {}
    for problem_id, unit_id in Assignment.objects.filter(role="lead").values_list("problem_id", "unit_id"):
        leads.setdefault(problem_id, set()).add(unit_id)
    unit_roles = {(m.user_id, m.organisation_id) for m in Membership.objects.filter(role__in=UNIT_ROLES)}
    problems = {p.pk: p for p in Problem.objects.all()}
    users = {u.pk: u for u in User.objects.all()}
    for e in problem_events():
        problem = problems[e.object_id]
        if e.action in unit_actions:
            assert e.actor_org_id in leads[problem.pk] and (e.actor_id, e.actor_org_id) in unit_roles, e
        else:
            assert capacity_for(users[e.actor_id], problem).supervisor_org is not None, e


def test_the_history_has_every_kind_of_step(db):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"create", "dispatch", "sign", "start", "reply", "approve", "approve_stage", "reject", "revisit",
            "urge", "escalate", "return", "reassign", "merge", "share", "request_extension",
            "approve_extension"} <= actions
    received = Problem.objects.exclude(state=State.MERGED).count()
    with_co_units = Assignment.objects.filter(role="co").values("problem").distinct().count()
    assert 0.08 <= with_co_units / received <= 0.22
    assert Problem.objects.filter(is_restricted=True).exists()


def test_every_share_of_the_history_is_a_transfer_the_partner_can_sign_and_answer(db):
    """The history's 移送协作单位 are listed, received and chased like any transfer: each share has its transfer,
    due 10 working days after it was sent, answered where the partner replied on the problem, and only transfers of
    problems still open are chased."""
    from qingshan.collaboration.choices import PartnerTransferState
    from qingshan.collaboration.deadlines import DEADLINE_KINDS
    from qingshan.collaboration.models import PartnerTransfer
    from qingshan.problems.models import Share
    from qingshan.workdays.calendar import add_working_days

    shares = list(Share.objects.select_related("transfer"))
    assert shares and all(getattr(s, "transfer", None) is not None for s in shares)
    for share in shares:
        transfer = share.transfer
        assert (transfer.problem_id, transfer.partner_id, transfer.sent_at) == (share.problem_id, share.partner_id,
                                                                                 share.shared_at)
        assert transfer.feedback_deadline == add_working_days(timezone.localdate(share.shared_at), 10)
    answered = problem_events().filter(action="partner_reply").values_list("object_id", flat=True)
    assert {t.problem_id for t in PartnerTransfer.objects.filter(state=PartnerTransferState.RETURNED)} <= set(answered)
    kind = next(k for k in DEADLINE_KINDS if k.code == "collaboration.partner_transfer")
    assert all(t.problem.state not in (State.CLOSED, State.STAGE_CLOSED, State.REVISITED, State.MERGED)
               for t in kind.watched().select_related("problem"))


def test_merged_duplicates_are_linked_both_ways(db):
    for duplicate in Problem.objects.filter(state=State.MERGED).select_related("merged_into"):
        primary = duplicate.merged_into
        assert primary.state != State.MERGED and primary.received_at <= duplicate.received_at
        event = problem_events().get(object_id=primary.pk, action="merge")
        assert event.payload == {"duplicate": duplicate.number} and event.from_state == event.to_state


def test_restricted_problems_are_restricted_to_everyone_who_acted_on_them(db):
    for problem in Problem.objects.filter(is_restricted=True).prefetch_related("restricted_to"):
        named = {u.pk for u in problem.restricted_to.all()}
        acted = set(problem_events().filter(object_id=problem.pk).values_list("actor_id", flat=True))
        assert acted <= named


def test_hotlines_dominate_and_their_reporters_are_encrypted_and_masked(db):
    hotline = Problem.objects.filter(source__has_citizen_reporter=True)
    assert hotline.count() > 0.45 * Problem.objects.count()
    assert not Problem.objects.filter(source__has_citizen_reporter=False, reporter__isnull=False).exists()
    for problem in hotline.select_related("reporter")[:50]:
        reporter = problem.reporter
        name, phone = decrypt(reporter.name_encrypted), decrypt(reporter.phone_encrypted)
        assert reporter.name_masked == mask_name(name) and reporter.phone_masked == mask_phone(phone)
        assert name not in reporter.name_encrypted and phone not in reporter.phone_encrypted


# ---------------------------------------------------------------- the demo keeps working afterwards


def test_a_new_problem_continues_the_number_sequence(db):
    office_staff = User.objects.get(username="office_staff")
    last = NumberCounter.objects.get(year=2026).last
    assert Problem.objects.filter(number=f"QS-2026-{last:06d}").exists()
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                             tick=False):
        problem = services.problem_create(
            actor=office_staff, title="河道漂浮物未及时清理", description="现场检查发现河面漂浮物较多。",
            source=Source.objects.get(code="inspection"), category=Category.objects.get(code="water"),
            region=Organisation.objects.get(name="绿水区纪委监委").region,
        )
        dispatched = services.problem_dispatch(actor=office_staff, problem=problem,
                                               lead_unit=Organisation.objects.get(name="绿水区生态环境分局"))
    assert problem.number == f"QS-2026-{last + 1:06d}"
    assert problem.pk > Problem.objects.exclude(pk=problem.pk).order_by("-pk").first().pk
    assert dispatched.handle_deadline == dt.date(2026, 12, 11)
    assert verify_chain() == []


def test_bad_input_is_refused_in_chinese_and_changes_nothing(db):
    before = Problem.objects.count()
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("seed_demo", "--end", "2026-13-01", stdout=StringIO())
    with pytest.raises(CommandError, match="开始日期 2026-12-01 晚于结束日期 2026-11-01"):
        call_command("seed_demo", "--start", "2026-12-01", "--end", "2026-11-01", stdout=StringIO())
    with pytest.raises(CommandError, match="问题数量不能为负数"):
        call_command("seed_demo", "--problems", "-5", stdout=StringIO())
    assert Problem.objects.count() == before


def test_the_district_login_sees_the_city_water_data_shared_with_it_and_no_other_city_set(db):
    from qingshan.access.datasets import visible_datasets

    district = User.objects.get(username="district_staff")
    assert set(visible_datasets(district).values_list("code", flat=True)) == {"water_sections", "water_readings"}


def test_the_offices_owe_the_report_back_of_each_quarter_not_yet_due(db):
    from qingshan.clues import quarters
    from qingshan.clues.choices import State as ClueState
    from qingshan.clues.models import Clue, QuarterDue
    from qingshan.clues.timelimits import QUARTER_REPORT_DAYS

    def due_on(day):
        year, quarter = quarters.of(day)
        return quarters.bounds(year, quarter)[1] + dt.timedelta(days=QUARTER_REPORT_DAYS), year, quarter

    closed = Clue.objects.filter(state=ClueState.CLOSED, assigned_org__isnull=False).values_list(
        "assigned_org_id", "closed_on")
    expected = {(office, *due_on(day)[1:]) for office, day in closed if due_on(day)[0] >= END}
    owed = set(QuarterDue.objects.filter(report__isnull=True).values_list("office_id", "year", "quarter"))
    assert expected and owed == expected  # what 我的待办 and the reminders show those offices
