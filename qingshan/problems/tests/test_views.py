"""The work loop's pages as a user meets them: what is listed, which actions are offered, what a refusal says."""
import pytest
import time_machine
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.problems.choices import State
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    # Deadlines are counted in working days; a fixed date keeps them inside years with a holiday calendar.
    with time_machine.travel(WORLD_NOW, tick=True):
        yield


def login(client, user):
    client.force_login(user)
    return client


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("problems:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_page_refuses_a_wrong_password_in_chinese(client, world):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong-password"})
    assert "用户名或密码不正确" in response.content.decode()


def test_list_shows_only_what_the_unit_may_see(client, world):
    mine = drive_to(world, State.DISPATCHED)
    other = drive_to(world, State.DISPATCHED, lead=world.jiangan_urban, handler=world.urban_handler,
                     region=world.jiangan)
    body = login(client, world.eco_handler).get(reverse("problems:list")).content.decode()
    assert mine.number in body
    assert other.number not in body


def test_list_filters_by_state_and_keyword(client, world):
    received = new_problem(world, title="餐饮油烟扰民")
    dispatched = drive_to(world, State.DISPATCHED, title="河道漂浮物")
    login(client, world.officer)
    body = client.get(reverse("problems:list"), {"state": "received"}).content.decode()
    assert received.number in body and dispatched.number not in body
    body = client.get(reverse("problems:list"), {"q": "漂浮"}).content.decode()
    assert dispatched.number in body and received.number not in body


def test_list_with_an_invalid_filter_says_so_and_lists_nothing(client, world):
    problem = new_problem(world)
    body = login(client, world.officer).get(reverse("problems:list"), {"received_from": "不是日期"}).content.decode()
    assert "筛选条件有误" in body and problem.number not in body


def test_detail_offers_only_the_actions_allowed_now(client, world):
    problem = drive_to(world, State.DISPATCHED)
    body = login(client, world.eco_handler).get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert 'data-action="sign"' in body and 'data-action="return"' in body
    assert 'data-action="approve"' not in body and 'data-action="dispatch"' not in body
    body = login(client, world.water_handler).get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert 'data-action="sign"' not in body  # a co-unit sees the problem but does not sign for it


def test_another_units_problem_is_not_found(client, world):
    problem = drive_to(world, State.DISPATCHED)
    response = login(client, world.urban_handler).get(reverse("problems:detail", args=[problem.pk]))
    assert response.status_code == 404


def test_sign_through_the_page_changes_state_and_timeline(client, world):
    problem = drive_to(world, State.DISPATCHED)
    login(client, world.eco_handler)
    response = client.post(reverse("problems:action", args=[problem.pk, "sign"]))
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.state == State.SIGNED
    body = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "签收" in body and "孙经办" in body


def test_refused_action_shows_the_reason_and_changes_nothing(client, world):
    problem = drive_to(world, State.IN_PROGRESS)
    login(client, world.eco_handler)
    events = AuditEvent.objects.count()
    response = client.post(reverse("problems:action", args=[problem.pk, "reply"]), {"text": "已整改"})
    assert response.status_code == 400
    assert "须上传至少一份佐证材料" in response.content.decode()
    problem.refresh_from_db()
    assert problem.state == State.IN_PROGRESS and AuditEvent.objects.count() == events


def test_missing_required_field_gets_a_chinese_message(client, world):
    problem = drive_to(world, State.REPLIED)
    login(client, world.officer)
    response = client.post(reverse("problems:action", args=[problem.pk, "reject"]), {"comment": ""})
    assert response.status_code == 400 and "发回重办须写明理由" in response.content.decode()


def test_create_page_registers_a_problem_with_a_file(client, world):
    login(client, world.officer)
    response = client.post(reverse("problems:create"), {
        "title": "工地扬尘", "description": "未覆盖裸土", "source": world.inspection.pk,
        "category": world.air_pollution.pk, "region": world.lvshui.pk, "urgency": "normal", "files": [png()],
    })
    problem = Problem.objects.get(title="工地扬尘")
    assert response.status_code == 302 and response["Location"] == reverse("problems:detail", args=[problem.pk])
    assert problem.attachments.count() == 1 and problem.state == State.RECEIVED


def test_unit_user_cannot_open_the_create_page(client, world):
    assert login(client, world.eco_handler).get(reverse("problems:create")).status_code == 403


def test_bulk_dispatch_is_all_or_nothing(client, world):
    first, second = new_problem(world), new_problem(world)
    login(client, world.officer)
    # The second problem is dispatched by someone else first: the whole batch must then be refused.
    drive_to  # noqa: B018 (flows imported for the helpers below)
    from qingshan.problems import services

    services.problem_dispatch(actor=world.officer, problem=second, lead_unit=world.water)
    response = client.post(reverse("problems:bulk_dispatch"), {"problems": [first.pk, second.pk],
                                                             "lead_unit": world.eco.pk}, follow=True)
    assert "本次批量交办未执行" in response.content.decode()
    first.refresh_from_db()
    assert first.state == State.RECEIVED
    response = client.post(reverse("problems:bulk_dispatch"), {"problems": [first.pk], "lead_unit": world.eco.pk},
                           follow=True)
    first.refresh_from_db()
    assert first.state == State.DISPATCHED and "已将 1 个问题交办给" in response.content.decode()


def test_attachment_download_checks_access(client, world):
    problem = drive_to(world, State.REPLIED)
    attachment = problem.attachments.get()
    url = reverse("problems:download", args=[attachment.pk])
    assert login(client, world.urban_handler).get(url).status_code == 404
    response = login(client, world.eco_head).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="download", object_id=problem.pk).count() == 1


def test_reporter_is_masked_and_revealed_only_with_a_reason(client, world):
    problem = new_problem(world, source=world.hotline, reporter_name="张三丰", reporter_phone="13812345678")
    login(client, world.xinfang)
    body = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "13*******78" in body and "13812345678" not in body
    response = client.post(reverse("problems:reveal_reporter", args=[problem.pk]), {"reason": "回访核实"},
                           HTTP_HX_REQUEST="true")
    assert "13812345678" in response.content.decode()
    event = AuditEvent.objects.get(action="reveal_reporter")
    assert event.reason == "回访核实" and event.actor == world.xinfang and event.internal


def test_unit_never_sees_the_reporter(client, world):
    problem = drive_to(world, State.DISPATCHED, source=world.hotline, reporter_name="张三丰",
                       reporter_phone="13812345678")
    body = login(client, world.eco_handler).get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "13*******78" not in body and "张*" not in body
    response = client.post(reverse("problems:reveal_reporter", args=[problem.pk]), {"reason": "想知道"})
    assert response.status_code == 302 and not AuditEvent.objects.filter(action="reveal_reporter").exists()


def test_inbox_counts_per_queue(client, world):
    drive_to(world, State.DISPATCHED)
    drive_to(world, State.DISPATCHED)
    drive_to(world, State.IN_PROGRESS)
    body = login(client, world.eco_handler).get(reverse("inbox")).content.decode()
    assert 'data-queue="to_sign" data-count="2">待签收 <span class="badge text-bg-light">2</span>' in body
    # The handler signed it: among their own items.
    assert 'data-queue="to_handle" data-count="1">办理中 <span class="badge text-bg-light">1</span>' in body


def test_list_detail_and_inbox_query_counts_do_not_grow_with_rows(client, world, assert_query_baseline,
                                                                 django_assert_max_num_queries):
    for _ in range(3):
        drive_to(world, State.REPLIED)
    login(client, world.officer)
    with assert_query_baseline("list page") as small:
        client.get(reverse("problems:list"))
    for _ in range(6):
        drive_to(world, State.REPLIED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("problems:list"))
    problem = Problem.objects.filter(state=State.REPLIED).first()
    with assert_query_baseline("detail page"):
        client.get(reverse("problems:detail", args=[problem.pk]))
    with assert_query_baseline("inbox page"):
        client.get(reverse("inbox"))


def test_the_filter_form_with_all_states_searches_by_keyword(client, world):
    # The form sends `state=` and `source=` for "全部": that means no filter, not an invalid choice.
    problem = new_problem(world, title="工地扬尘")
    body = login(client, world.officer).get(reverse("problems:list"), {
        "q": "扬尘", "state": "", "source": "", "ordering": "-received_at"}).content.decode()
    assert problem.number in body and "筛选条件有误" not in body


def test_sorting_by_deadline_puts_undispatched_problems_last(client, world):
    undispatched = new_problem(world, title="未交办")
    dispatched = drive_to(world, State.DISPATCHED, title="已交办")
    body = login(client, world.officer).get(reverse("problems:list"), {"ordering": "handle_deadline"}).content.decode()
    assert body.index(dispatched.number) < body.index(undispatched.number)


def test_reporter_contact_is_revealed_only_to_xinfang_or_the_supervising_team(client, world):
    from qingshan.access.problems import may_reveal_reporter

    problem = new_problem(world, actor=world.group_staff, source=world.hotline, reporter_name="张三丰",
                          reporter_phone="13812345678")
    assert may_reveal_reporter(world.xinfang, problem)
    assert may_reveal_reporter(world.group_staff, problem)  # the stationed group supervises it
    assert not may_reveal_reporter(world.officer, problem)  # another office, though in jurisdiction


def test_partner_queue_lists_only_open_shared_problems(client, world):
    from qingshan.problems import services

    open_one, closed_one = drive_to(world, State.IN_PROGRESS), drive_to(world, State.CLOSED)
    for problem in (open_one, closed_one):
        services.problem_share(actor=world.officer, problem=problem, partner=world.partner, reason="联合督办")
    body = login(client, world.partner_staff).get(reverse("inbox")).content.decode()
    assert open_one.number in body and closed_one.number not in body
