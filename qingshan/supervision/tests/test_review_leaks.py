"""Review of leaks: a problem restricted to named people stays out of the supervision pages of everyone else."""
import datetime as dt

from django.urls import reverse

from qingshan.problems.models import Problem
from qingshan.supervision import services

from .conftest import submit


def _restrict_finding(w, slot):
    """Submit a report with one finding, then restrict its problem to the 信访 officer alone."""
    submit(w, slot=slot, findings=[{"title": "局长亲属承揽工程", "description": "举报反映",
                                    "category": w.water_pollution, "region": w.city}])
    problem = Problem.objects.get(title="局长亲属承揽工程")
    Problem.objects.filter(pk=problem.pk).update(is_restricted=True)
    problem.restricted_to.set([w.xinfang])
    return problem


def test_slot_page_hides_a_restricted_finding_problem(client, sw):
    w = sw
    _restrict_finding(w, w.slot)
    for user in (w.officer, w.leader, w.group_staff):
        client.force_login(user)
        page = client.get(reverse("supervision:slot", args=[w.slot.pk])).content.decode()
        assert "局长亲属承揽工程" not in page, user.username


def test_project_dossier_hides_a_restricted_finding_problem(client, sw):
    w = sw
    project = services.project_create(
        actor=w.officer, plan=w.plan, name="青山河综合治理工程", responsible_unit=w.water, region=w.city,
        planned_start=dt.date(2026, 1, 1), planned_end=dt.date(2026, 12, 31), tasks=[w.task])
    item = services.item_create(actor=w.officer, plan=w.plan, title="青山河工程监督", content="工程进度与资金",
                                office=w.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28),
                                project=project)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    problem = _restrict_finding(w, item.slots.order_by("period_start").first())
    client.force_login(w.leader)
    page = client.get(reverse("supervision:project", args=[project.pk])).content.decode()
    assert "青山河工程监督" in page
    assert "局长亲属承揽工程" not in page and problem.number not in page
