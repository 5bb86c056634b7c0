"""移送协作单位 with a feedback deadline: sent with the chosen fields, signed, answered, reviewed; the partner sees
only what was shared (never the problem itself); overdue feedback is chased by the reminder engine and escalated
to the sender's heads; refusals change nothing."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from qingshan.access.collaboration import visible_partner_transfers
from qingshan.access.problems import visible_problems
from qingshan.audit.models import AuditEvent
from qingshan.collaboration import partners as services
from qingshan.collaboration.choices import PartnerTransferState as State
from qingshan.collaboration.models import PartnerTransfer
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW
from qingshan.reminders.models import Notification, Reminder
from qingshan.reminders.sweep import run_sweep

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def w(world, time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)
    return world


def send(w, **kwargs):
    problem = new_problem(w, title="青山化工夜间偷排", reporter_name="张三", reporter_phone="13800000000")
    args = {"partner": w.partner, "request": "请依法查处并反馈", "days": 5, "fields": ["title", "location"]} | kwargs
    return services.partner_transfer_send(actor=w.officer, problem=problem, **args), problem


def test_sent_signed_answered_and_accepted(w, time_machine):
    transfer, problem = send(w)
    assert transfer.state == State.SENT and transfer.feedback_deadline == dt.date(2026, 3, 9)
    assert transfer.shared == {"问题编号": problem.number, "问题标题": "青山化工夜间偷排",
                               "具体位置": "青山大道88号旁排口"}
    with pytest.raises(ServiceError, match="请先签收"):
        services.partner_transfer_feedback(actor=w.partner_staff, transfer=transfer, result="已查处")
    services.partner_transfer_sign(actor=w.partner_staff, transfer=transfer)
    time_machine.move_to(dt.datetime(2026, 3, 6, 10, tzinfo=TZ), tick=False)
    services.partner_transfer_feedback(actor=w.partner_staff, transfer=transfer, result="已立案，罚款十万元。")
    transfer.refresh_from_db()
    assert transfer.state == State.RETURNED and transfer.on_time is True and transfer.signed_by == w.partner_staff
    services.partner_transfer_send_back(actor=w.officer, transfer=transfer, opinion="请附处罚决定书文号", days=3)
    transfer.refresh_from_db()
    assert transfer.state == State.RECEIVED and transfer.feedback_deadline == dt.date(2026, 3, 11)
    services.partner_transfer_feedback(actor=w.partner_staff, transfer=transfer, result="青环罚〔2026〕12号")
    services.partner_transfer_accept(actor=w.officer, transfer=transfer, opinion="")
    transfer.refresh_from_db()
    assert transfer.state == State.ACCEPTED
    actions = list(AuditEvent.objects.filter(object_type="collaboration.partner_transfer").values_list("action",
                                                                                                        flat=True))
    assert actions == ["send", "sign", "feedback", "send_back", "feedback", "accept"]


def test_the_partner_sees_only_what_was_shared(w):
    transfer, problem = send(w)
    assert not visible_problems(w.partner_staff).filter(pk=problem.pk).exists()
    assert list(visible_partner_transfers(w.partner_staff)) == [transfer]
    client = Client()
    client.force_login(w.partner_staff)
    page = client.get(reverse("collaboration:partner_transfer", args=[transfer.pk])).content.decode()
    assert problem.number in page and "青山化工夜间偷排" in page and "青山大道88号旁排口" in page
    hidden_parts = ("群众反映夜间有污水直排入河", "张三", "138", "水污染",
                    reverse("problems:detail", args=[problem.pk]))
    for hidden in hidden_parts:
        assert hidden not in page, hidden
    assert client.get(reverse("problems:detail", args=[problem.pk])).status_code == 404
    for other in (w.eco_handler, w.water_handler, w.outsider):  # no one else sees the transfer
        assert not visible_partner_transfers(other).exists()


def test_the_sender_sees_the_problem_link(w):
    transfer, problem = send(w)
    client = Client()
    client.force_login(w.officer)
    page = client.get(reverse("collaboration:partner_transfer", args=[transfer.pk])).content.decode()
    assert reverse("problems:detail", args=[problem.pk]) in page


def test_overdue_feedback_is_chased_and_escalated(w):
    transfer, _ = send(w)
    run_sweep(dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ))
    red = Reminder.objects.get(kind="collaboration.partner_transfer", stage="red")
    assert red.deadline == dt.date(2026, 3, 9) and red.url.endswith(f"/partner-transfers/{transfer.pk}/")
    assert set(Notification.objects.filter(reminder=red).values_list("user__username", flat=True)) == {
        "partner_staff"}
    run_sweep(dt.datetime(2026, 3, 13, 9, 0, tzinfo=TZ))
    escalated = Reminder.objects.get(kind="collaboration.partner_transfer", stage="escalated")
    assert set(Notification.objects.filter(reminder=escalated).values_list("user__username", flat=True)) == {
        "office_head"}
    services.partner_transfer_urge(actor=w.officer, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.urge_count == 1


@pytest.mark.parametrize("change, message", [
    ({"partner": "eco"}, "请选择有效的协作单位"),
    ({"days": 0}, "反馈期限应为 1 至 60 个工作日"),
    ({"request": " "}, "请填写移送事项"),
    ({"fields": ["title", "reporter"]}, "不能移送的内容：reporter"),
])
def test_a_bad_transfer_is_refused_in_chinese(w, change, message):
    if change.get("partner") == "eco":
        change["partner"] = w.eco
    with pytest.raises(ServiceError, match=message):
        send(w, **change)
    assert not PartnerTransfer.objects.exists()


def test_only_the_right_side_acts(w):
    transfer, problem = send(w)
    with pytest.raises(PermissionRefused):
        services.partner_transfer_send(actor=w.eco_handler, problem=problem, partner=w.partner, request="x", days=3)
    with pytest.raises(PermissionRefused):
        services.partner_transfer_sign(actor=w.officer, transfer=transfer)
    services.partner_transfer_sign(actor=w.partner_staff, transfer=transfer)
    services.partner_transfer_feedback(actor=w.partner_staff, transfer=transfer, result="已查处")
    with pytest.raises(PermissionRefused):
        services.partner_transfer_accept(actor=w.partner_staff, transfer=transfer)
    with pytest.raises(ServiceError, match="已移送“市污染防治攻坚办”，尚未办结"):
        services.partner_transfer_send(actor=w.officer, problem=problem, partner=w.partner, request="x", days=3)
    transfer.refresh_from_db()
    assert transfer.state == State.RETURNED and PartnerTransfer.objects.count() == 1


def test_sent_signed_and_answered_through_the_pages(w):
    problem = new_problem(w, title="青山化工夜间偷排")
    officer, partner = Client(), Client()
    officer.force_login(w.officer)
    partner.force_login(w.partner_staff)
    response = officer.post(reverse("collaboration:partner_transfers"), {
        "problem_number": problem.number, "partner": str(w.partner.pk), "fields": ["title"],
        "request": "请依法查处", "days": "5"}, follow=True)
    assert "反馈期限 2026-03-09" in response.content.decode()
    transfer = PartnerTransfer.objects.get()
    partner.post(reverse("collaboration:partner_transfer_action", args=[transfer.pk, "sign"]))
    response = partner.post(reverse("collaboration:partner_transfer_action", args=[transfer.pk, "feedback"]),
                            {"result": "已立案查处"}, follow=True)
    assert "已立案查处" in response.content.decode()
    response = officer.post(reverse("collaboration:partner_transfer_action", args=[transfer.pk, "accept"]),
                            {"opinion": ""}, follow=True)
    assert "已审核通过" in response.content.decode()
    assert PartnerTransfer.objects.get().state == State.ACCEPTED


def test_the_problem_page_shows_its_transfers_to_the_supervising_side_only(w):
    from qingshan.problems.choices import State as ProblemState
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(w, ProblemState.DISPATCHED)
    transfer = services.partner_transfer_send(actor=w.officer, problem=problem, partner=w.partner,
                                              request="请依法查处并反馈", days=5, fields=["title"])
    link = reverse("collaboration:partner_transfer", args=[transfer.pk])
    client = Client()
    client.force_login(w.officer)
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert 'id="joint-work"' in page and link in page and "反馈期限 2026-03-09" in page
    client.force_login(w.eco_handler)  # the handling unit sees the problem, not its transfer to a partner
    page = client.get(reverse("problems:detail", args=[problem.pk]))
    assert page.status_code == 200 and link not in page.content.decode()
    assert 'id="joint-work"' not in page.content.decode()


def test_the_problem_pages_own_transfer_step_sends_a_partner_transfer(w):
    """移送协作单位 on the problem's page (the work loop's step) is one way with the transfers above: a receipt to
    sign, a feedback deadline, chased when overdue; the partner still sees the whole problem, as the step allowed."""
    from qingshan.problems.choices import State as ProblemState
    from qingshan.problems.testing.flows import drive_to

    problem = drive_to(w, ProblemState.DISPATCHED)
    client = Client()
    client.force_login(w.officer)
    response = client.post(reverse("problems:action", args=[problem.pk, "share"]),
                           {"partner": w.partner.pk, "reason": "涉嫌环境违法，请依法查处"})
    assert response.status_code == 302, response.content.decode()[:2000]
    transfer = PartnerTransfer.objects.get(problem=problem)
    assert (transfer.partner, transfer.state, transfer.request) == (w.partner, State.SENT, "涉嫌环境违法，请依法查处")
    assert transfer.feedback_deadline == dt.date(2026, 3, 16)  # 10 working days
    assert transfer.share == problem.shares.get()
    assert list(visible_partner_transfers(w.partner_staff)) == [transfer]
    assert visible_problems(w.partner_staff).filter(pk=problem.pk).exists()
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert reverse("collaboration:partner_transfer", args=[transfer.pk]) in page
    client.force_login(w.partner_staff)  # the partner's copy links to the whole problem it may see
    page = client.get(reverse("collaboration:partner_transfer", args=[transfer.pk])).content.decode()
    assert reverse("problems:detail", args=[problem.pk]) in page
    services.partner_transfer_sign(actor=w.partner_staff, transfer=transfer)
    run_sweep(dt.datetime(2026, 3, 17, 9, 0, tzinfo=TZ))
    assert Reminder.objects.filter(kind="collaboration.partner_transfer", object_id=transfer.pk, stage="red").exists()
    # Sending it again to the same body is refused by the step's own rule, and nothing more is written.
    with pytest.raises(ServiceError, match="该问题已移送给"):
        from qingshan.problems.transitions import PROBLEM_ACTIONS

        PROBLEM_ACTIONS.run("share", actor=w.officer, target=problem, data={"partner": w.partner, "reason": "再次"})
    assert PartnerTransfer.objects.count() == 1


def test_the_chase_stops_once_the_problem_is_closed_or_merged(w):
    """A transfer whose problem has been concluded (办结 or 并单) is no longer chased, as for the shares backfilled from
    before transfers existed; it stays listed for the partner, who can still sign and answer it."""
    from qingshan.problems.choices import State as ProblemState
    from qingshan.problems.models import Problem

    closed, closed_problem = send(w)
    merged, merged_problem = send(w)
    open_one, _ = send(w)
    Problem.objects.filter(pk=closed_problem.pk).update(state=ProblemState.CLOSED,
                                                        closed_at=dt.datetime(2026, 3, 5, 9, tzinfo=TZ))
    Problem.objects.filter(pk=merged_problem.pk).update(state=ProblemState.MERGED)
    run_sweep(dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ))
    chased = set(Reminder.objects.filter(kind="collaboration.partner_transfer").values_list("object_id", flat=True))
    assert chased == {open_one.pk}
    assert set(visible_partner_transfers(w.partner_staff)) == {closed, merged, open_one}
    services.partner_transfer_sign(actor=w.partner_staff, transfer=closed)
    services.partner_transfer_feedback(actor=w.partner_staff, transfer=closed, result="已查处")
    closed.refresh_from_db()
    assert closed.state == State.RETURNED
