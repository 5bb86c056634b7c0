"""Moving a region moves its subtree's paths and the copies records keep for jurisdiction filters."""
import pytest

from qingshan.orgs.models import Region
from qingshan.orgs.services import region_save
from qingshan.problems.testing.flows import new_problem

pytestmark = pytest.mark.django_db


def test_a_moved_region_takes_its_subtree_and_its_problems_along(world):
    town = region_save(region=Region(code="33990101", name="清溪街道", parent=world.lvshui))
    problem = new_problem(world, region=town)
    assert problem.region_path == "/3399/339901/33990101/"
    world.lvshui.parent = world.jiangan
    region_save(region=world.lvshui)
    town.refresh_from_db()
    problem.refresh_from_db()
    assert town.path == problem.region_path == "/3399/339902/339901/33990101/"
