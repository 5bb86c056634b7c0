"""Keeping `ProblemAudience` equal to the organisations a problem is addressed to, with its restriction flag (see the
model). The services call `refresh` in the transaction of every change of a problem's lead unit, co-units,
supervising organisation, partners or restriction; the migrations, the demo's bulk history and the
`rebuild_problem_audience` command fill it with `rebuild`."""
from collections.abc import Iterable

from django.db import connection, transaction

from qingshan.orgs.choices import OrgKind

from .models import Assignment, Problem, ProblemAudience, Share

BATCH = 2000  # rows an INSERT of fill_registered carries


def audience_ids(problem: Problem) -> set[int]:
    """The organisations `problem` is addressed to now, as the visibility rule reads them."""
    units = Assignment.objects.filter(problem=problem, is_active=True).values_list("unit_id", flat=True)
    partners = Share.objects.filter(problem=problem).values_list("partner_id", flat=True)
    return _audience(problem, set(units) | set(partners))


def _audience(problem: Problem, orgs: set[int]) -> set[int]:
    """`orgs` (its active units and partners) with the organisations the problem's own fields address it to."""
    if problem.lead_unit_id:
        orgs.add(problem.lead_unit_id)
    if problem.supervising_org.kind == OrgKind.STATIONED_GROUP:
        orgs.add(problem.supervising_org_id)
    return orgs


def refresh(problem: Problem) -> None:
    """Rewrite `problem`'s audience from its current state (call inside the change's transaction)."""
    ProblemAudience.objects.filter(problem_id=problem.pk).delete()
    ProblemAudience.objects.bulk_create([
        ProblemAudience(problem_id=problem.pk, organisation_id=org, received_at=problem.received_at,
                        is_restricted=problem.is_restricted)
        for org in sorted(audience_ids(problem))
    ])


def fill_registered(problems: Iterable[Problem]) -> None:
    """Write the audience of problems just registered (no partner and no unit but the lead unit they may have been
    dispatched to at once, nothing to delete)."""
    ProblemAudience.objects.bulk_create([
        ProblemAudience(problem_id=problem.pk, organisation_id=org, received_at=problem.received_at,
                        is_restricted=problem.is_restricted)
        for problem in problems for org in sorted(_audience(problem, set()))
    ], batch_size=BATCH)



# The same rule as audience_ids, for every problem at once (UNION removes the repeats: a lead unit is also an active
# assignment). Table names are fixed by the models; the parameters are the kind and the boolean.
REBUILD_SQL = """
INSERT INTO problems_problemaudience (problem_id, organisation_id, received_at, is_restricted)
SELECT p.id, p.lead_unit_id, p.received_at, p.is_restricted FROM problems_problem p WHERE p.lead_unit_id IS NOT NULL
UNION
SELECT p.id, p.supervising_org_id, p.received_at, p.is_restricted FROM problems_problem p
  JOIN orgs_organisation o ON o.id = p.supervising_org_id WHERE o.kind = %s
UNION
SELECT a.problem_id, a.unit_id, p.received_at, p.is_restricted FROM problems_assignment a
  JOIN problems_problem p ON p.id = a.problem_id WHERE a.is_active = %s
UNION
SELECT s.problem_id, s.partner_id, p.received_at, p.is_restricted FROM problems_share s
  JOIN problems_problem p ON p.id = s.problem_id
"""


def rebuild() -> int:
    """Refill the whole table from the problems (after bulk loads); returns the number of rows."""
    with transaction.atomic():
        ProblemAudience.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(REBUILD_SQL, [OrgKind.STATIONED_GROUP.value, True])
            return cursor.rowcount
