"""Issue 14 in a browser: a camera platform posts an alert over HTTP; it becomes a problem dispatched by rule, which
the officer finds in the intake log and the unit in its list; a repeat is joined, and the officer splits it out."""
import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def post_alert(base_url: str, code: str, secret: str, payload: dict, key: str) -> dict:
    """POST a signed alert as the camera platform would, over a real connection to the live server."""
    from qingshan.intake.signing import signature

    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(f"{base_url}/intake/webhook/alerts", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Qingshan-Sender": code, "X-Qingshan-Timestamp": stamp,
        "X-Qingshan-Signature": signature(secret, stamp, body), "Idempotency-Key": key})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def test_an_alert_arrives_is_dispatched_and_a_repeat_is_split_out(world, login, live_server):
    from qingshan.intake.testing import camera_sender

    sender, secret = camera_sender(world)
    alert = {"alert_type": "渣土车未密闭", "occurred_at": "2026-03-02T09:30:00+08:00", "device": "CAM-0012",
             "region": world.lvshui.code, "location": "绿水大道与滨江路口", "media_url": "http://video.local/1.jpg"}
    first = post_alert(live_server.url, sender.code, secret, alert, "CAM-0012-0930")
    repeat = post_alert(live_server.url, sender.code, secret, {**alert, "occurred_at": "2026-03-02T09:55:00+08:00"},
                        "CAM-0012-0955")
    assert repeat["number"] == first["number"] and repeat["recurrences"] == 2

    page = login("officer")
    page.click("text=机器接入")
    rows = page.locator("#alert-table tbody tr")
    expect(rows).to_have_count(2)
    created = page.locator('tr[data-key="CAM-0012-0930"]')
    expect(created.locator("[data-outcome]")).to_have_text("新建问题")
    expect(created).to_contain_text("按规则：绿水区住建局")
    expect(created.locator("[data-recurrences]")).to_have_text("2")
    joined = page.locator('tr[data-key="CAM-0012-0955"]')
    expect(joined.locator("[data-outcome]")).to_have_text("并入已有问题")
    joined.get_by_label("拆分理由").fill("两辆不同的渣土车，非重复预警")
    joined.get_by_role("button", name="拆分为独立问题").click()
    expect(page.locator(".alert-success, .alert")).to_contain_text("已拆分为独立问题")
    expect(page.locator("h1")).not_to_contain_text(first["number"])
    page.goto(f"{live_server.url}/intake/alerts/")
    expect(page.locator('tr[data-key="CAM-0012-0955"] [data-outcome]')).to_have_text("已拆分为独立问题")
    expect(page.locator('tr[data-key="CAM-0012-0930"] [data-recurrences]')).to_have_text("1")

    page = login("housing_handler")
    expect(page.locator("text=机器接入")).to_have_count(0)
    page.click("text=问题清单")
    expect(page.locator("body")).to_contain_text(first["number"])


def test_a_hotline_export_with_one_bad_row_imports_nothing_then_the_fixed_file_imports(world, login, live_server,
                                                                                       worker, tmp_path, settings):
    from qingshan.intake.testing import hotline_csv, hotline_mapping

    settings.JOB_FILES_DIR = tmp_path / "jobs"
    hotline_mapping(world)
    good = ["RX20260301001", "2026-03-01 08:15", "青山河滨江路段排污口夜间偷排", "滨江路", "绿水区", "水污染",
            "王小明", "13800001111"]
    bad = ["RX20260301002", "昨天上午", "工地夜间噪声", "江岸大道", "江岸区", "大气污染", "", ""]
    broken, fixed = tmp_path / "12345日报.csv", tmp_path / "12345日报-改.csv"
    broken.write_bytes(hotline_csv([good, bad], "gbk"))
    fixed.write_bytes(hotline_csv([good, [*bad[:1], "2026-03-01 09:40", *bad[2:]]], "gbk"))

    page = login("officer")
    page.click("text=机器接入")
    page.click("text=热线工单导入")
    page.select_option("#id_mapping", label="12345热线日报")
    page.set_input_files("#id_file", str(broken))
    page.click("button:has-text('开始导入')")
    expect(page.locator("#hotline-errors")).to_contain_text("第 3 行“受理时间”：“昨天上午”不是有效的时间")
    expect(page.locator("#hotline-errors")).to_contain_text("未导入任何工单")

    page.goto(f"{live_server.url}/intake/hotline/")
    page.select_option("#id_mapping", label="12345热线日报")
    page.set_input_files("#id_file", str(fixed))
    page.click("button:has-text('开始导入')")
    expect(page.locator("#hotline-result")).to_contain_text("新登记 2 个问题")
    page.click("text=问题清单")
    expect(page.locator("body")).to_contain_text("青山河滨江路段排污口夜间偷排")
