"""The audience table (problems.ProblemAudience) equals the visibility rule after every transition of the table.

The rule, as it reads the source tables (lead unit, active assignments, supervising stationed group, transfers), is
written out here as the reference; the scoped selectors read the audience table instead. For every action in every
state where someone may take it, the problem is built, the action taken through the table, and then the table and
what every role sees are compared with the reference, for every problem in the database.
"""
import io

import pytest
from django.core.management import call_command
from django.db.models import OuterRef, Q

from qingshan.access.actors import profile_of
from qingshan.access.problems import visible_candidates, visible_problems
from qingshan.orgs.choices import OrgKind
from qingshan.problems import audience, services
from qingshan.problems.choices import Action, State
from qingshan.problems.models import Assignment, Problem, ProblemAudience, Share
from qingshan.problems.testing.flows import drive_to
from qingshan.problems.testing.world import WORLD_NOW

from .test_transitions import ALLOWED, MATRIX, ROLES, build, perform

ONE_ROLE_PER_CELL = sorted({(action, state): role for action, state, role in reversed(ALLOWED)}.items())


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


def reference_audience() -> set[tuple[int, int]]:
    """(problem, organisation) pairs as the visibility rule defines them, read from the source tables."""
    pairs = set(Problem.objects.filter(lead_unit__isnull=False).values_list("pk", "lead_unit_id"))
    pairs |= set(Problem.objects.filter(supervising_org__kind=OrgKind.STATIONED_GROUP)
                 .values_list("pk", "supervising_org_id"))
    pairs |= set(Assignment.objects.filter(is_active=True).values_list("problem_id", "unit_id"))
    pairs |= set(Share.objects.values_list("problem_id", "partner_id"))
    return pairs


def reference_visible(user) -> set[int]:
    """The problems `user` may see by the rule of domain §2, without the audience table."""
    profile = profile_of(user)
    scope = Q(pk__in=[])
    for path in profile.jurisdiction_paths:
        scope |= Q(region_path__startswith=path)
    units = profile.unit_ids | profile.group_unit_ids
    scope |= Q(lead_unit_id__in=units) | Q(supervising_org_id__in=profile.group_ids)
    scope |= Q(pk__in=Assignment.objects.filter(unit_id__in=units, is_active=True).values("problem_id"))
    scope |= Q(pk__in=Share.objects.filter(partner_id__in=profile.partner_ids).values("problem_id"))
    restriction = Q(is_restricted=False) | Q(restricted_to=user)
    return set(Problem.objects.filter(scope & restriction).values_list("pk", flat=True))


def assert_audience_matches_rule(w, when: str) -> None:
    stored = set(ProblemAudience.objects.values_list("problem_id", "organisation_id"))
    assert stored == reference_audience(), when
    # received_at is copied for the newest-first order, is_restricted for the scoped lists and counts: neither ever
    # drifts from the problem's
    of_problem = Problem.objects.filter(pk=OuterRef("problem_id"))
    assert not ProblemAudience.objects.exclude(received_at=of_problem.values("received_at")[:1]).exists(), when
    drifted = ProblemAudience.objects.exclude(is_restricted=of_problem.values("is_restricted")[:1])
    assert not drifted.exists(), (when, list(drifted.values_list("problem_id", "organisation_id", "is_restricted")))
    for role in ROLES:
        user = getattr(w, role)
        expected = reference_visible(user)
        assert set(visible_problems(user).values_list("pk", flat=True)) == expected, (when, role)
        # The per-candidate form 我的待办's supervisors' queues start from: the same problems.
        assert set(visible_candidates(user).values_list("pk", flat=True)) == expected, (when, role, "probed")


@pytest.mark.parametrize(("cell", "role"), ONE_ROLE_PER_CELL, ids=["-".join(c) for c, _ in ONE_ROLE_PER_CELL])
def test_the_audience_follows_every_transition(world, cell, role):
    w = world
    action, state = cell
    # A problem its stationed group registered: the group sees it as its supervisor, whoever leads it.
    services.problem_create(actor=w.group_staff, title="派驻组登记", description="台账不实", source=w.inspection,
                            category=w.water_pollution, region=w.city)
    problem = build(w, action, state)
    primary = drive_to(w, State.DISPATCHED, title="主问题") if action == Action.MERGE else None
    assert_audience_matches_rule(w, f"before {action} in {state}")

    perform(w, action, getattr(w, role), problem, primary=primary)

    assert_audience_matches_rule(w, f"after {action} in {state} by {role}")


@pytest.mark.parametrize("state", [State.RECEIVED, State.SIGNED, State.REPLIED, State.CLOSED])
def test_the_audience_follows_restriction_set_changed_and_lifted(world, state):
    """Restricting hides a problem from every unit, group and partner not named, naming one of their people shows it
    to that person only, and lifting the restriction shows it to all of them again: the table follows each step."""
    w = world
    problem = drive_to(w, state)
    if state != State.RECEIVED:
        services.problem_share(actor=w.officer, problem=problem, partner=w.partner, reason="协作")
    others = drive_to(w, State.IN_PROGRESS)
    steps = [("restricted to the office", [w.office_head]),
             ("a unit handler and a partner named", [w.eco_handler, w.partner_staff]),
             ("the stationed group named", [w.group_staff]),
             ("lifted", [])]
    for when, people in steps:
        services.problem_restrict(actor=w.officer, problem=problem, users=people, reason="涉及敏感人员")
        assert_audience_matches_rule(w, f"{when} in {state}")
    problem.refresh_from_db()
    assert not problem.is_restricted and others.pk in set(visible_problems(w.eco_handler).values_list("pk", flat=True))


def test_a_problem_registered_restricted_carries_the_flag_on_its_audience_rows(world):
    w = world
    services.problem_create(actor=w.group_staff, title="派驻组登记", description="台账不实", source=w.inspection,
                            category=w.water_pollution, region=w.city, restricted_to=[w.officer])
    assert ProblemAudience.objects.filter(is_restricted=True).exists()
    assert_audience_matches_rule(w, "registered restricted")


def test_every_action_is_tried():
    assert {action for (action, _state), _role in ONE_ROLE_PER_CELL} == {rule.code for rule in MATRIX.table}


def test_rebuild_fills_the_table_as_the_services_keep_it(world):
    """The demo's bulk history and the migration fill the table with `rebuild`: the same rows as the services'."""
    w = world
    drive_to(w, State.DISPATCHED)
    services.problem_share(actor=w.officer, problem=drive_to(w, State.IN_PROGRESS), partner=w.partner, reason="协作")
    drive_to(w, State.RETURNED)
    kept = set(ProblemAudience.objects.values_list("problem_id", "organisation_id", "received_at"))
    assert kept

    restricted = drive_to(w, State.SIGNED)
    services.problem_restrict(actor=w.officer, problem=restricted, users=[w.eco_handler], reason="涉及敏感人员")
    kept = set(ProblemAudience.objects.values_list("problem_id", "organisation_id", "received_at", "is_restricted"))
    assert (restricted.pk, restricted.lead_unit_id, restricted.received_at, True) in kept

    ProblemAudience.objects.all().delete()
    assert audience.rebuild() == len(kept)

    assert set(ProblemAudience.objects.values_list("problem_id", "organisation_id", "received_at",
                                                   "is_restricted")) == kept

    # The command an operator runs after a bulk load written past the services (here: a restriction lifted).
    Problem.objects.filter(pk=restricted.pk).update(is_restricted=False)
    out = io.StringIO()
    call_command("rebuild_problem_audience", stdout=out)
    assert f"已重建问题知悉单位 {len(kept)} 行" in out.getvalue()
    assert not ProblemAudience.objects.filter(problem_id=restricted.pk, is_restricted=True).exists()
    assert restricted.pk in set(visible_problems(w.water_handler).values_list("pk", flat=True))
