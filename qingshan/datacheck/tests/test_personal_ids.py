"""Personal identifiers in hits (issue 15): an ID number or phone that the data set's schema marks `personal` is masked
in the triage list, the hit page, its evidence, a dry run's preview, the API and the problem made from the hit;
shown in full only to someone who may judge the hit, after a reason, each reveal audited."""
import pytest
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.datacheck import services
from qingshan.datacheck.models import Hit
from qingshan.datasets.choices import ImportMode
from qingshan.datasets.services import dataset_define, dataset_load_rows
from qingshan.problems.testing.world import build_world

from .app_world import setup_dc

ID, PHONE = "110101199003071234", "13812345678"
MASKED_ID, MASKED_PHONE = "110*************34", "13*******78"

PAYMENTS = {
    "code": "dc_payments", "name": "补贴发放", "key": ["id_number"], "subject": ["id_number"],
    "columns": [
        {"name": "id_number", "type": "string", "label": "身份证号", "required": True, "personal": "id_number"},
        {"name": "phone", "type": "string", "label": "联系电话", "personal": "phone"},
        {"name": "amount", "type": "decimal", "label": "金额"},
    ],
}
SPEC = """\
code: dc_big_payment
name: 大额补贴
kind: threshold
version: 1
owner: 第一监督检查室
dataset: dc_payments
subject: {columns: [id_number]}
evidence: [id_number, phone, amount]
threshold: {value: amount, op: ">", limit: 1000}
"""
pytestmark = pytest.mark.usefixtures("app_today")


@pytest.fixture
def dc(db, settings, tmp_path):
    w = setup_dc(build_world(), settings, tmp_path)
    w.payments = dataset_define(actor=w.officer, spec=PAYMENTS)
    dataset_load_rows(actor=w.officer, dataset=w.payments, mode=ImportMode.REPLACE, rows=[
        {"id_number": ID, "phone": PHONE, "amount": 5000}, {"id_number": "110101199001010011", "amount": 10}])
    w.model = services.checkmodel_create(actor=w.officer, code="dc_big_payment", name="大额补贴", spec_text=SPEC,
                                         problem_category=w.water_pollution)
    w.model = services.checkmodel_set_enabled(actor=w.officer, model=w.model, enabled=True)
    services.run_start(actor=w.officer, model=w.model)
    w.hit = Hit.objects.get(model=w.model)
    return w


def reveals():
    return AuditEvent.objects.filter(object_type="datacheck.hit", action="reveal_identifiers")


def test_the_triage_list_and_the_hit_page_show_the_id_number_masked(client, dc):
    client.force_login(dc.officer)
    listing = client.get(reverse("datacheck:triage")).content.decode()
    assert MASKED_ID in listing and ID not in listing
    page = client.get(reverse("datacheck:hit", args=[dc.hit.pk])).content.decode()
    assert MASKED_ID in page and MASKED_PHONE in page
    assert ID not in page and PHONE not in page and "已隐去部分字符" in page


def test_the_api_shows_hits_and_a_dry_runs_preview_masked(client, dc):
    client.force_login(dc.officer)
    [hit] = client.get(reverse("api:datacheck-hits")).json()["results"]
    assert (hit["subject_key"], hit["subject_label"]) == (MASKED_ID, MASKED_ID)
    run = client.post(reverse("api:datacheck-run-start", args=[dc.model.pk]), {"dry_run": True},
                      content_type="application/json").json()
    run_queued_jobs()  # the worker runs it; the API then shows the finished run
    run = client.get(reverse("api:datacheck-run", args=[run["id"]])).json()
    assert ID not in str(run) and PHONE not in str(run) and run["preview"][0]["key"] == MASKED_ID


def test_a_reveal_needs_a_reason_and_shows_the_values_once_audited(client, dc):
    client.force_login(dc.officer)
    refused = client.post(reverse("datacheck:hit_reveal", args=[dc.hit.pk]), {"reason": "  "})
    assert refused.status_code == 400 and "查看个人信息明文须填写事由。" in refused.content.decode()
    assert ID not in refused.content.decode() and not reveals().exists()

    shown = client.post(reverse("datacheck:hit_reveal", args=[dc.hit.pk]), {"reason": "核实发放对象"})
    body = shown.content.decode()
    assert shown.status_code == 200 and ID in body and PHONE in body and "本次查看已记录" in body
    assert shown["Cache-Control"] == "private, no-store"
    event = reveals().get()
    assert (event.actor_id, event.reason, event.object_id) == (dc.officer.pk, "核实发放对象", dc.hit.pk)
    # The next visit is masked again.
    assert ID not in client.get(reverse("datacheck:hit", args=[dc.hit.pk])).content.decode()


def test_the_api_reveal_is_audited_and_a_readonly_leader_may_not_reveal(client, dc):
    client.force_login(dc.officer)
    answer = client.post(reverse("api:datacheck-hit-reveal", args=[dc.hit.pk]), {"reason": "核实发放对象"},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["subject_key"] == ID
    assert answer.json()["evidence"][0]["phone"] == PHONE and reveals().count() == 1

    client.force_login(dc.readonly)
    page = client.get(reverse("datacheck:hit", args=[dc.hit.pk])).content.decode()
    assert MASKED_ID in page and "查看明文" not in page
    refused = client.post(reverse("api:datacheck-hit-reveal", args=[dc.hit.pk]), {"reason": "看看"},
                          content_type="application/json")
    assert refused.status_code == 403 and ID not in refused.content.decode()
    assert client.post(reverse("datacheck:hit_reveal", args=[dc.hit.pk]), {"reason": "看看"}).status_code == 403
    assert reveals().count() == 1


def test_a_problem_made_from_the_hit_carries_the_id_number_masked(dc):
    hit = services.hit_confirm(actor=dc.officer, hit=dc.hit, reason="确有问题")
    problem = hit.problem
    assert MASKED_ID in problem.title and MASKED_ID in problem.description and MASKED_PHONE in problem.description
    assert ID not in problem.title + problem.description + problem.location


def test_the_data_set_preview_masks_personal_columns(client, dc):
    client.force_login(dc.officer)
    page = client.get(reverse("datasets:detail", args=["dc_payments"])).content.decode()
    assert MASKED_ID in page and MASKED_PHONE in page and ID not in page and PHONE not in page
    assert "个人信息" in page


def test_the_data_set_preview_is_revealed_with_a_reason_audited(client, dc):
    client.force_login(dc.officer)
    url = reverse("datasets:reveal", args=["dc_payments"])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "查看个人信息明文须填写事由。" in refused.content.decode()
    assert ID not in refused.content.decode()
    shown = client.post(url, {"reason": "核对导入数据"})
    assert shown.status_code == 200 and ID in shown.content.decode() and shown["Cache-Control"] == "private, no-store"
    [event] = AuditEvent.objects.filter(object_type="datasets.dataset", action="dataset_reveal")
    assert (event.actor_id, event.reason) == (dc.officer.pk, "核对导入数据")
    client.force_login(dc.readonly)
    assert "查看明文" not in client.get(reverse("datasets:detail", args=["dc_payments"])).content.decode()
    assert client.post(url, {"reason": "看看"}).status_code == 403
