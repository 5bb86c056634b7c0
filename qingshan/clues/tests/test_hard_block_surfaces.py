"""The hard block over the other apps' surfaces: the ledgers (the ledgers registry), the 一图总览 measures (the overview
registry), the KPI page and a problem's own page and API. 甲 and 乙 hold every part of the handling circle (and so
see the work loop's problems from the supervising side) but work in the reported unit or under it; 丙 holds the same
roles without the tie. A problem of the work loop transferred (移送) to a clue about 甲's unit must not tell 甲 that
the clue exists: not as a timeline entry, nor as a 查账 counted or named in a ledger."""
import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from qingshan.api.testing import issue_test_token
from qingshan.clues.choices import State
from qingshan.clues.models import Clue
from qingshan.clues.testing.flows import drive_to
from qingshan.core.overview import TOTAL, Scope
from qingshan.dashboards.overview_page import measures
from qingshan.ledgers.selectors import ledger_chain, ledger_query, ledger_values
from qingshan.ledgers.specs import all_columns, ledgers
from qingshan.problems import services as problem_services
from qingshan.problems.choices import State as ProblemState
from qingshan.problems.selectors import problem_timeline
from qingshan.problems.testing.flows import drive_to as problem_to

BLOCKED = ["insider_in_unit", "insider_below"]
TRANSFER = "transfer_clue"


@pytest.fixture
def transferred(cw):
    """A problem of 市生态环境局 in progress, transferred to the discipline loop as a clue about that unit."""
    problem = problem_to(cw, ProblemState.IN_PROGRESS)
    problem_services.problem_transfer_clue(actor=cw.officer, problem=problem, reported_unit=cw.eco,
                                           reported_name="钱局长", reason="整改中发现虚报整改情况")
    return problem, Clue.objects.get(problem_transfer__problem=problem)


def _spec(code: str):
    return next(spec for spec in ledgers() if spec.code == code)


def _row(user, spec, pk) -> dict | None:
    values = ledger_values(ledger_query(user=user, spec=spec)).filter(pk=pk).first()
    return None if values is None else dict(zip(["pk", *(c.key for c in all_columns(spec))], values, strict=True))


def test_the_problems_ledger_and_timeline_neither_show_nor_count_a_transfer_to_a_blocked_clue(cw, transferred):
    problem, _clue = transferred
    spec = _spec("problems")
    clear = _row(cw.insider_clear, spec, problem.pk)
    assert clear is not None and clear["ledger_last_check"] == TRANSFER
    assert TRANSFER in {e.action for e in problem_timeline(user=cw.insider_clear, problem=problem)}
    assert TRANSFER in {c.event.action for c in ledger_chain(user=cw.insider_clear, spec=spec, pk=problem.pk)}
    for who in BLOCKED:
        user = getattr(cw, who)
        row = _row(user, spec, problem.pk)
        assert row is not None, who  # the problem itself stays theirs to see, as before
        assert row["ledger_checks"] == clear["ledger_checks"] - 1 and row["ledger_last_check"] != TRANSFER, who
        assert TRANSFER not in {e.action for e in problem_timeline(user=user, problem=problem)}, who
        assert TRANSFER not in {c.event.action for c in ledger_chain(user=user, spec=spec, pk=problem.pk)}, who


def test_the_problem_page_its_ledger_entry_and_its_api_say_nothing_of_the_transfer_to_a_blocked_reader(
        client, cw, transferred):
    """The transfer's event (its reason, the clue's intake reference) is on the pages and in the API timeline for 丙,
    and nowhere for 甲 and 乙. (The 移送 button stays offered to all three alike: it tells nothing.)"""
    problem, clue = transferred
    reason = "整改中发现虚报整改情况"
    pages = [reverse("problems:detail", args=[problem.pk]), reverse("ledgers:entry", args=["problems", problem.pk])]

    def seen(user) -> tuple[str, set[str]]:
        client.force_login(user)
        answers = [client.get(url) for url in pages]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {issue_test_token(user)}")
        detail = api.get(f"/api/problems/{problem.pk}/")
        assert [a.status_code for a in answers] + [detail.status_code] == [200, 200, 200]
        return "".join(a.content.decode() for a in answers), {e["action"] for e in detail.json()["timeline"]}

    text, timeline = seen(cw.insider_clear)
    assert text.count(reason) == 2 and TRANSFER in timeline
    for who in BLOCKED:
        text, timeline = seen(getattr(cw, who))
        assert reason not in text and clue.intake_ref not in text and TRANSFER not in timeline, who


@pytest.mark.parametrize("who", BLOCKED)
def test_no_ledger_and_no_overview_measure_changes_with_the_clues_a_reader_is_blocked_from(client, cw, who):
    """Every declared ledger (its rows and 查账 figures) and every 一图总览 measure reads the same for a blocked reader
    before and after clues about their unit are registered, worked, closed and transferred from a problem."""
    user = getattr(cw, who)
    problem = problem_to(cw, ProblemState.IN_PROGRESS)
    scope = Scope(user=user, received_from=None, received_to=None, as_of=dt.date(2026, 12, 31))

    def everything() -> tuple:
        rows = {spec.code: sorted(map(str, ledger_values(ledger_query(user=user, spec=spec)))) for spec in ledgers()}
        figures = {m.key: m.by_district(Scope(user=user, received_from=None, received_to=None,
                                               as_of=scope.as_of)).get(TOTAL) for m in measures()}
        return rows, figures

    before = everything()
    assert before[0] and before[1]  # ledgers and measures are there to compare
    clues = [drive_to(cw, state) for state in (State.RECEIVED, State.INQUIRY, State.CLOSED)]
    problem_services.problem_transfer_clue(actor=cw.officer, problem=problem, reported_unit=cw.eco,
                                           reported_name="钱局长", reason="整改中发现虚报整改情况")
    assert everything() == before
    client.force_login(user)
    pages = [reverse("ledgers:ledger", args=[spec.code]) for spec in ledgers()] + [reverse("dashboards:overview")]
    text = "".join(client.get(url).content.decode() for url in pages)
    for clue in [*clues, Clue.objects.get(problem_transfer__problem=problem)]:
        assert clue.intake_ref not in text and (not clue.number or clue.number not in text)
    assert "移送问题线索" not in text


def test_a_second_transfer_of_the_same_problem_is_taken_alike_from_everyone(cw, transferred):
    """Refusing a second 移送 ("already transferred") would tell 甲 and 乙, whose timeline shows no transfer, that a
    clue they may not see exists about their unit. A problem may reveal more than one official's misconduct: each
    移送 becomes a clue of its own (信访 screens repeats as 重复件), from whoever sends it."""
    problem, first = transferred
    for n, who in enumerate(["insider_clear", *BLOCKED], start=2):
        problem_services.problem_transfer_clue(actor=getattr(cw, who), problem=problem, reported_unit=cw.water,
                                               reported_name="孙科长", reason=f"另有问题{n}")
        assert problem.clue_transfers.count() == n, who
    later = Clue.objects.filter(problem_transfer__problem=problem).exclude(pk=first.pk)
    assert sorted(c.reported_unit_id for c in later) == [cw.water.pk] * 3
