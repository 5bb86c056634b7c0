"""The clue API: the handling circle reads its clues with a token, the reporter only as a masked reference; the hard
block and id guessing answer exactly as for a missing id, and the list never shows or counts a blocked clue."""
import pytest
from rest_framework.test import APIClient

from qingshan.access.clues import reveal_reporter
from qingshan.api.testing import issue_test_token
from qingshan.clues.choices import State
from qingshan.clues.testing.flows import drive_to

BLOCKED = ["insider_in_unit", "insider_below", "reported"]
OUTSIDE = ["officer", "office_head", "group_staff", "readonly", "eco_handler", "eco_head", "water_handler",
           "housing_handler", "partner_staff", "district_staff", "outsider"]
# What the vault holds for new_clue(): none of it may appear in any answer.
SECRETS = ["王举报", "青山市某化工厂", "幸福路", "13812345678", "330101199001011234", "红包二十万"]


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(user)}")
    return client


@pytest.fixture
def inquiry(cw):
    clue = drive_to(cw, State.INQUIRY)
    reveal_reporter(user=cw.xinfang, clue=clue, reason="核对举报人身份")  # a reveal leaves nothing in the API
    return clue


def test_the_circle_reads_list_and_detail_with_the_reporter_masked(cw, inquiry):
    client = _api(cw.insider_clear)
    listed = client.get("/api/clues/")
    assert listed.status_code == 200 and listed["Cache-Control"] == "private, no-store"
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [inquiry.pk] and listed.json()["count"] == 1
    assert rows[0]["reporter"] == inquiry.vault.masked and "*" in rows[0]["reporter"]
    detail = client.get(f"/api/clues/{inquiry.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["reference"] == inquiry.reference and body["state_label"] == "谈话函询"
    assert body["letters"][0]["number"] == inquiry.letters.get().number
    text = listed.content.decode() + detail.content.decode()
    for secret in SECRETS:
        assert secret not in text, secret


def test_the_list_filters_as_the_page_does(cw, inquiry):
    other = drive_to(cw, State.RECEIVED, reported_name="冯某", reported_person=None)
    client = _api(cw.xinfang)
    assert {r["id"] for r in client.get("/api/clues/").json()["results"]} == {inquiry.pk, other.pk}
    assert [r["id"] for r in client.get("/api/clues/", {"state": State.RECEIVED}).json()["results"]] == [other.pk]
    assert [r["id"] for r in client.get("/api/clues/", {"q": "冯某"}).json()["results"]] == [other.pk]


@pytest.mark.parametrize("who", BLOCKED)
def test_a_blocked_holder_of_every_role_gets_the_missing_ids_404_and_an_empty_list(cw, inquiry, who):
    client = _api(getattr(cw, who))
    missing = client.get(f"/api/clues/{inquiry.pk + 1000}/")
    assert missing.status_code == 404
    response = client.get(f"/api/clues/{inquiry.pk}/")
    assert (response.status_code, response.json()) == (404, missing.json())
    for params in ({}, {"q": "钱局长"}, {"q": inquiry.reference}, {"state": State.INQUIRY}):
        body = client.get("/api/clues/", params).json()
        assert (body["count"], body["results"]) == (0, []), params


@pytest.mark.parametrize("who", OUTSIDE)
def test_id_guessing_outside_the_circle_reads_as_a_missing_id(cw, who):
    clue = drive_to(cw, State.NUMBERED)  # not yet assigned: 第一监督检查室 is outside too
    client = _api(getattr(cw, who))
    missing = client.get(f"/api/clues/{clue.pk + 1000}/")
    response = client.get(f"/api/clues/{clue.pk}/")
    assert (response.status_code, response.json()) == (404, missing.json())
    assert client.get("/api/clues/").json()["count"] == 0


def test_without_a_token_nothing_is_answered(cw, inquiry):
    response = APIClient().get(f"/api/clues/{inquiry.pk}/")
    assert response.status_code == 401 and inquiry.reference not in response.content.decode()


def test_the_schema_documents_both_endpoints_without_any_vault_field(cw):
    schema = _api(cw.xinfang).get("/api/schema/?format=json").json()
    assert "get" in schema["paths"]["/api/clues/"] and "get" in schema["paths"]["/api/clues/{id}/"]
    assert {p["name"] for p in schema["paths"]["/api/clues/"]["get"]["parameters"]} >= {"state", "source", "q", "kpi"}
    page = schema["paths"]["/api/clues/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) == {"count", "count_is_bounded", "next", "previous", "results"}  # as answered
    described = str(schema["components"]["schemas"]["ClueDetailOutput"])
    assert "reporter" in described
    for vault_field in ("name_encrypted", "reporter_name", "id_number", "original_text", "phone"):
        assert vault_field not in described, vault_field


def test_the_list_counts_only_up_to_the_bound_and_says_so(cw, inquiry, monkeypatch):
    """As on the list page, the total is counted up to a bound (a commission's 200,000 clues are not counted on each
    call); past it the answer says there are more, and a page beyond the bound is not offered."""
    import qingshan.core.paging as paging

    others = [drive_to(cw, State.RECEIVED, reported_name=f"冯某{i}", reported_person=None) for i in range(2)]
    client = _api(cw.xinfang)
    body = client.get("/api/clues/").json()
    assert (body["count"], body["count_is_bounded"]) == (3, False)
    monkeypatch.setattr(paging, "COUNT_BOUND", 2)
    body = client.get("/api/clues/", {"page_size": 1}).json()
    assert (body["count"], body["count_is_bounded"], len(body["results"])) == (2, True, 1)
    assert client.get("/api/clues/", {"page_size": 1, "page": 2}).json()["results"][0]["id"] in {
        c.pk for c in [inquiry, *others]}
    assert client.get("/api/clues/", {"page_size": 1, "page": 3}).status_code == 404
