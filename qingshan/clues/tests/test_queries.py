"""The clue list, a clue's page and the 案管 register run a fixed number of queries, however many clues there are."""
from django.urls import reverse

from qingshan.access.clues import reveal_reporter
from qingshan.clues.choices import State
from qingshan.clues.testing.flows import drive_to
from qingshan.clues.testing.world import PASSWORD


def test_list_detail_and_register_run_a_fixed_number_of_queries(client, cw, assert_query_baseline):
    clues = [drive_to(cw, state) for state in (State.RECEIVED, State.INQUIRY, State.CLOSED)]
    for clue in clues:
        reveal_reporter(user=cw.anguan, clue=clue, reason="核对")
    client.login(username="anguan", password=PASSWORD)
    client.get(reverse("clues:list"))  # the session and the user's profile are warm from here on
    with assert_query_baseline("list page"):
        assert client.get(reverse("clues:list")).status_code == 200
    with assert_query_baseline("clue page"):
        assert client.get(reverse("clues:detail", args=[clues[1].pk])).status_code == 200
    with assert_query_baseline("reveal register"):
        assert client.get(reverse("clues:reveals")).status_code == 200
    with assert_query_baseline("kpi page"):
        assert client.get(reverse("clues:kpi")).status_code == 200


def test_the_api_list_and_detail_run_a_fixed_number_of_queries(cw, assert_query_baseline):
    from rest_framework.test import APIClient

    from qingshan.api.testing import issue_test_token

    clues = [drive_to(cw, state) for state in (State.RECEIVED, State.INQUIRY, State.CLOSED)]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(cw.anguan)}")
    client.get("/api/clues/")
    with assert_query_baseline("api list"):
        assert client.get("/api/clues/").json()["count"] == 3
    with assert_query_baseline("api detail"):
        assert client.get(f"/api/clues/{clues[1].pk}/").status_code == 200
