"""The reporter vault, outgoing documents and numbering: what a user (or a leaked file) would show."""
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from qingshan.access.clues import reveal_reporter
from qingshan.audit.models import AuditEvent
from qingshan.clues import services
from qingshan.clues.choices import Action, State
from qingshan.clues.documents import inquiry_letter_docx, transfer_down_docx
from qingshan.clues.models import Clue, ReporterVault, VaultReveal
from qingshan.clues.testing.flows import TODAY, drive_to
from qingshan.clues.testing.world import PASSWORD, new_clue
from qingshan.core.documents import docx_text
from qingshan.core.errors import ServiceError

REPORTER = ["王举报", "13812345678", "330101199001011234", "青山区幸福路8号", "青山市某化工厂", "红包二十万元"]


def test_the_vault_is_encrypted_at_rest_and_lists_show_a_masked_reference(client, cw):
    clue = new_clue(cw)
    raw = ReporterVault.objects.filter(clue=clue).values().get()
    stored = " ".join(str(v) for v in raw.values()) + " ".join(str(v) for v in Clue.objects.filter(
        pk=clue.pk).values().get().values())
    for secret in REPORTER:
        assert secret not in stored
    assert raw["masked"] == "王**（实名）"
    client.login(username="xinfang", password=PASSWORD)
    page = client.get(reverse("clues:list")).content.decode() + client.get(
        reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "王**（实名）" in page
    for secret in REPORTER:
        assert secret not in page


def test_a_reveal_needs_a_reason_and_is_registered(client, cw):
    clue = new_clue(cw)
    with pytest.raises(ServiceError, match="须填写事由"):
        reveal_reporter(user=cw.xinfang, clue=clue, reason=" ")
    assert not VaultReveal.objects.exists()
    client.login(username="xinfang", password=PASSWORD)
    page = client.post(reverse("clues:reveal_reporter", args=[clue.pk]), {"reason": "核实举报人身份"})
    assert "王举报" in page.content.decode() and "13812345678" in page.content.decode()
    entry = VaultReveal.objects.get()
    assert (entry.user, entry.reason, entry.capacity) == (cw.xinfang, "核实举报人身份", "信访室")
    event = AuditEvent.objects.filter(object_type="clues.clue", object_id=clue.pk).latest("seq")
    assert (event.action, event.reason) == (Action.REVEAL_REPORTER, "核实举报人身份")
    client.login(username="anguan", password=PASSWORD)
    register = client.get(reverse("clues:reveals")).content.decode()
    assert "赵信访" in register and "核实举报人身份" in register


@pytest.mark.parametrize("who", ["leader", "officer"])
def test_a_leader_or_an_office_not_assigned_may_not_reveal(cw, who):
    clue = drive_to(cw, State.NUMBERED)  # not assigned yet: 第一监督检查室 is not its team
    with pytest.raises(ServiceError):
        reveal_reporter(user=getattr(cw, who), clue=clue, reason="查看")
    assert not VaultReveal.objects.exists()


def test_the_assigned_team_may_reveal(cw):
    clue = drive_to(cw, State.HANDLING)
    assert reveal_reporter(user=cw.officer, clue=clue, reason="初核需要")["name"] == "王举报"
    assert VaultReveal.objects.get().capacity == "承办部门"


def _generated(client, url: str) -> bytes:
    """Ask for a letter (queued), let the worker write it, and download it from the job's page as the asker does."""
    from qingshan.core.testing.jobs import run_queued_jobs

    job_url = client.post(url)["Location"]
    assert run_queued_jobs() == 1
    page = client.get(job_url).content.decode()
    assert "生成完成" in page
    download = client.get(f"{job_url}download/")
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    return b"".join(download.streaming_content)


def test_the_inquiry_letter_carries_no_reporter_data(client, cw):
    clue = drive_to(cw, State.INQUIRY, replied=False)
    letter = clue.letters.get()
    text = docx_text(inquiry_letter_docx(letter))
    assert letter.number in text and "请说明你在某化工厂环评审批中有无收受财物。" in text and "钱局长同志" in text
    for secret in REPORTER:
        assert secret not in text
    client.login(username="officer", password=PASSWORD)
    assert docx_text(_generated(client, reverse("clues:letter", args=[letter.pk]))) == text
    assert AuditEvent.objects.filter(object_id=clue.pk, action=Action.GENERATE_LETTER).count() == 1
    assert AuditEvent.objects.filter(object_id=clue.pk, action=Action.DOWNLOAD_LETTER).count() == 1


def test_the_downward_transfer_letter_carries_no_reporter_data(client, cw):
    clue = drive_to(cw, State.DOWN_PENDING)
    text = docx_text(transfer_down_docx(clue))
    assert "绿水区纪委监委" in text and clue.reference in text and clue.summary in text
    for secret in REPORTER:
        assert secret not in text
    client.login(username="district_staff", password=PASSWORD)
    assert docx_text(_generated(client, reverse("clues:transfer_document", args=[clue.pk]))) == text


def test_a_report_about_the_principal_leader_goes_up_with_minimal_metadata(cw):
    clue = new_clue(cw, about_principal_leader=True)
    clue.refresh_from_db()
    assert clue.state == State.UP_PENDING and clue.minimal
    assert "钱" not in clue.reported_name and "环评" not in clue.summary
    assert not ReporterVault.objects.filter(clue=clue).exists()
    with pytest.raises(ServiceError, match="待上交"):
        services.clue_accept(actor=cw.xinfang, clue=clue)
    assert clue.reported_person is None
    assert services.allowed_actions(cw.xinfang, clue) == [Action.FORWARD_UP_SENT]


def test_a_repeat_is_linked_to_the_first_and_owes_no_acceptance_notice(cw):
    first = drive_to(cw, State.ACCEPTED)
    repeat = new_clue(cw)
    services.clue_mark_duplicate(actor=cw.xinfang, clue=repeat, duplicate_of=first)
    repeat.refresh_from_db()
    assert (repeat.state, repeat.duplicate_of, repeat.acceptance_notice_due) == (State.DUPLICATE, first, None)
    assert first.acceptance_notice_due is not None  # the first one is owed its notice


def test_approval_must_match_the_studied_proposal(cw):
    clue = drive_to(cw, State.STUDIED)  # proposed and studied: 谈话函询
    with pytest.raises(ServiceError, match="拟处置方式为“谈话函询”"):
        services.clue_approve(actor=cw.leader, clue=clue, disposal="close", password=PASSWORD)
    assert Clue.objects.get(pk=clue.pk).state == State.STUDIED
    assert [a for a in services.allowed_actions(cw.leader, clue)] == [Action.APPROVE_INQUIRY,
                                                                       Action.RETURN_PROPOSAL]


def test_the_whole_loop_freezes_on_time_for_the_reporter_notices(cw):
    clue = drive_to(cw, State.INQUIRY)
    services.clue_notify_acceptance(actor=cw.xinfang, clue=clue, notified_on=TODAY, note="以中性名义电话告知")
    services.clue_inquiry_close(actor=cw.officer, clue=clue, outcome="cleared", note="说明清楚")
    services.clue_notify_result(actor=cw.xinfang, clue=clue, notified_on=TODAY, note="以中性名义电话告知")
    clue.refresh_from_db()
    assert (clue.state, clue.outcome, clue.acceptance_notified_on_time, clue.result_notified_on_time) == (
        State.CLOSED, "cleared", True, True)
    letter = clue.letters.get()
    assert letter.replied_on_time is True


def test_registration_numbers_run_per_commission_and_year(cw):
    numbers = [drive_to(cw, State.NUMBERED).number for _ in range(3)]
    assert numbers == [f"青山市纪委监委线〔2026〕{n}号" for n in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_duplicate_or_skip_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; concurrent numbering needs PostgreSQL row locks")
    from qingshan.clues.testing.world import build_clue_world
    from qingshan.problems.testing.world import build_world

    w = build_clue_world(build_world())
    clues = [services.clue_accept(actor=w.xinfang, clue=new_clue(w)) for _ in range(12)]
    barrier, errors = threading.Barrier(4), []

    def register(batch):
        try:
            barrier.wait()
            for clue in batch:
                services.clue_register(actor=w.anguan, clue=Clue.objects.get(pk=clue.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(clues[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    seqs = sorted(Clue.objects.filter(number_seq__isnull=False).values_list("number_seq", flat=True))
    assert seqs == list(range(1, 13))


def test_a_problem_transferred_from_the_work_loop_is_a_clue_with_the_transfer_on_both_sides(cw):
    from qingshan.access.problems import visible_problems
    from qingshan.clues.selectors import clue_kpis
    from qingshan.problems import services as problem_services
    from qingshan.problems.choices import State as ProblemState
    from qingshan.problems.testing.flows import drive_to as problem_to

    problem = problem_to(cw, ProblemState.IN_PROGRESS)
    problem_services.problem_transfer_clue(actor=cw.officer, problem=problem, reported_unit=cw.eco,
                                           reported_name="钱局长", reason="整改中发现虚报整改情况")
    clue = Clue.objects.get(problem_transfer__problem=problem)
    assert (clue.source, clue.state, clue.commission) == ("transfer", State.RECEIVED, cw.commission)
    sides = AuditEvent.objects.filter(action__in=("transfer_clue", "transfer_from_problem"))
    assert {(e.object_type, e.internal) for e in sides} == {("problems.problem", True), ("clues.clue", True)}
    assert ("from_problems", "由工作闭环移送", 1) in clue_kpis(user=cw.xinfang)["figures"]
    assert problem in visible_problems(cw.eco_handler)  # the unit still works the problem …
    assert not AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk,
                                         action="transfer_clue", internal=False).exists()  # … and never sees this
    # A second 移送 is a clue of its own (信访 screens it as 重复件 if it is one), never refused: see
    # test_hard_block_surfaces.py for why.
    problem_services.problem_transfer_clue(actor=cw.officer, problem=problem, reported_unit=cw.eco,
                                           reported_name="钱局长", reason="再次移送")
    assert problem.clue_transfers.count() == 2


# ---------------------------------------------------------------- the named signing leader (签批领导)


def test_only_the_named_signing_leader_approves_in_person_and_a_refusal_changes_nothing(cw):
    """陈书记 is named at the study; 丙可见 holds the same leader role and may not sign; 陈书记 must enter the
    password again."""
    clue = drive_to(cw, State.STUDIED)
    assert clue.signing_leader == cw.leader
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match="只有集体研究时指定的签批领导本人可以审批"):
        services.clue_approve(actor=cw.insider_clear, clue=clue, disposal="inquiry", password=PASSWORD)
    with pytest.raises(ServiceError, match="只有集体研究时指定的签批领导本人可以审批"):
        services.clue_return_proposal(actor=cw.insider_clear, clue=clue, reason="再研究")
    with pytest.raises(ServiceError, match="密码不正确"):
        services.clue_approve(actor=cw.leader, clue=clue, disposal="inquiry", password="wrong")
    with pytest.raises(ServiceError, match="密码不正确"):
        services.clue_approve(actor=cw.leader, clue=clue, disposal="inquiry", password="")
    clue.refresh_from_db()
    assert (clue.state, clue.approved_by, AuditEvent.objects.count()) == (State.STUDIED, None, events)
    offered = services.allowed_actions(cw.insider_clear, clue)  # 丙 is also 信访: the notice, never the approval
    assert not {a for a in offered if a.startswith("approve_") or a == Action.RETURN_PROPOSAL}, offered
    services.clue_approve(actor=cw.leader, clue=clue, disposal="inquiry", password=PASSWORD)
    clue.refresh_from_db()
    assert (clue.state, clue.approved_by) == (State.INQUIRY, cw.leader)


@pytest.mark.parametrize("who", ["insider_in_unit", "officer", "xinfang"])
def test_the_signing_leader_must_be_an_unblocked_leader_of_the_commission(cw, who):
    """A leader hard-blocked from the clue (甲回避 works in the reported unit), or someone who is no leader, cannot
    be named; nothing changes."""
    clue = drive_to(cw, State.PROPOSED)
    with pytest.raises(ServiceError, match="签批领导须为本机关的委领导") as refused:
        services.clue_study(actor=cw.officer, clue=clue, study_date=TODAY, attendees="王主任", record="同意",
                            signing_leader=getattr(cw, who))
    assert refused.value.field == "signing_leader"
    clue.refresh_from_db()
    assert (clue.state, clue.signing_leader, clue.study_record) == (State.PROPOSED, None, "")


def test_the_approval_page_asks_the_named_leader_for_the_password(client, cw):
    clue = drive_to(cw, State.STUDIED)
    client.login(username=cw.leader.username, password=PASSWORD)
    url = reverse("clues:action", args=[clue.pk, "approve_inquiry"])
    assert 'type="password"' in client.get(url).content.decode()
    refused = client.post(url, {"note": "同意", "password": "nope"})
    assert refused.status_code == 400 and "密码不正确，签批未完成。" in refused.content.decode()
    assert client.post(url, {"note": "同意", "password": PASSWORD}).status_code == 302
    clue.refresh_from_db()
    assert clue.state == State.INQUIRY
