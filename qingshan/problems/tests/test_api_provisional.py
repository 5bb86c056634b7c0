"""Issue 10: a deadline counted on a provisional working-day calendar is marked in the API as it is on the pages."""
import datetime as dt
from zoneinfo import ZoneInfo

from qingshan.problems import services as problem_services
from qingshan.problems.testing.flows import new_problem
from qingshan.workdays.calendar import reset_cache
from qingshan.workdays.models import CalendarYear


def test_a_deadline_in_a_provisional_year_is_marked_in_the_api_until_the_year_is_confirmed(world, time_machine,
                                                                                            client):
    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    CalendarYear.objects.create(year=2027, source="暂定", is_provisional=True)
    settled = new_problem(world)  # not yet dispatched: its signing deadline falls in 2026, a published year
    problem = problem_services.problem_dispatch(actor=world.officer, problem=new_problem(world), lead_unit=world.eco)
    assert problem.handle_deadline.year == 2027
    client.force_login(world.officer)
    detail = client.get(f"/api/problems/{problem.pk}/").json()
    assert detail["handle_deadline"].startswith("2027") and detail["deadline_provisional"] is True
    listed = {row["id"]: row for row in client.get("/api/problems/").json()["results"]}
    assert listed[problem.pk]["deadline_provisional"] is True
    assert listed[settled.pk]["deadline_provisional"] is False
    CalendarYear.objects.filter(year=2027).update(is_provisional=False)  # the notice is out and entered
    reset_cache()
    assert client.get(f"/api/problems/{problem.pk}/").json()["deadline_provisional"] is False
