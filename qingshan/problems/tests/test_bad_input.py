"""Bad input to the work loop's pages and API is answered 400 in Chinese, never 500 (issue 9, defects 9 and 13)."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.problems.choices import State
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW

pytestmark = pytest.mark.django_db
HUGE = str(10**25)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def assert_400_in_chinese(response, text):
    assert response.status_code == 400, response.status_code
    assert text in response.content.decode()


def test_bulk_dispatch_with_a_huge_id(client, world):
    new_problem(world)
    client.force_login(world.officer)
    # The list page's bulk form answers on the list page, with the reason (as for any refusal there).
    for data in ({"problems": [HUGE], "lead_unit": world.eco.pk}, {"problems": ["abc"], "lead_unit": HUGE}):
        response = client.post(reverse("problems:bulk_dispatch"), data, follow=True)
        assert response.status_code == 200 and "所选问题不存在或无权操作" in response.content.decode()
    # Nor does its "next" lead off the site.
    response = client.post(reverse("problems:bulk_dispatch"), {"problems": [HUGE], "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("problems:list")


def test_dispatch_with_a_huge_co_unit_or_lead_unit(client, world):
    problem = new_problem(world)
    client.force_login(world.officer)
    url = reverse("problems:action", args=[problem.pk, "dispatch"])
    assert_400_in_chinese(client.post(url, {"lead_unit": world.eco.pk, "co_units": [HUGE]}), "协办单位")
    assert_400_in_chinese(client.post(url, {"lead_unit": HUGE}), "主办单位")


def test_restriction_with_a_huge_user_id(client, world):
    problem = drive_to(world, State.DISPATCHED)
    client.force_login(world.officer)
    response = client.post(reverse("problems:action", args=[problem.pk, "restrict"]),
                           {"users": [HUGE], "reason": "涉密"})
    assert_400_in_chinese(response, "知悉人员")
