"""The audience table (problems.ProblemAudience) equals the visibility rule after every transition of the table.

The rule, as it reads the source tables (lead unit, active assignments, supervising stationed group, transfers), is
written out here as the reference; the scoped selectors read the audience table instead. For every action in every
state where someone may take it, the problem is built, the action taken through the table, and then the table and
what every role sees are compared with the reference, for every problem in the database.
"""
import pytest
from django.db.models import OuterRef, Q

from qingshan.access.actors import profile_of
from qingshan.access.problems import visible_problems
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
    # received_at is copied for the newest-first order: it never drifts from the problem's
    received = Problem.objects.filter(pk=OuterRef("problem_id")).values("received_at")[:1]
    assert not ProblemAudience.objects.exclude(received_at=received).exists(), when
    for role in ROLES:
        user = getattr(w, role)
        assert set(visible_problems(user).values_list("pk", flat=True)) == reference_visible(user), (when, role)


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

    ProblemAudience.objects.all().delete()
    assert audience.rebuild() == len(kept)

    assert set(ProblemAudience.objects.values_list("problem_id", "organisation_id", "received_at")) == kept
