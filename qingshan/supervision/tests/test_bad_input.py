"""Bad input to the supervision pages is answered in Chinese, never 500 (issue 9, defect 9)."""
from django.urls import reverse

HUGE = str(10**25)


def test_a_report_with_a_superscript_digit_or_huge_id_as_category_is_refused_in_chinese(client, sw):
    w = sw
    client.force_login(w.group_staff)
    url = reverse("supervision:slot_submit", args=[w.slot.pk])
    for bad in ("²", HUGE):
        response = client.post(url, {"summary": "本月核查", "act-0-kind": "site_visit",
                                     "act-0-happened_on": "2026-02-20", "act-0-note": "实地查看",
                                     "fnd-0-title": "偷排", "fnd-0-description": "暗访",
                                     "fnd-0-category": bad, "fnd-0-region": w.city.pk,
                                     "rec-0-title": "封堵", "rec-0-measures": "封堵", "rec-0-responsible_unit": bad,
                                     "rec-0-deadline": "2026-04-30"})
        assert response.status_code == 400, bad
        assert "类别" in response.content.decode()
    assert not w.slot.reports.exists()


def test_assigning_an_item_to_a_huge_id_is_refused_in_chinese(client, sw):
    w = sw
    client.force_login(w.officer)
    # The item page's assignment form answers on the item page, as for any refusal there.
    response = client.post(reverse("supervision:item_assign", args=[w.item.pk]), {"orgs": [HUGE]}, follow=True)
    assert response.status_code == 200
    assert "请选择承办监督主体" in response.content.decode()


def test_a_blank_row_with_a_bad_index_is_still_a_row(client, sw):
    w = sw
    client.force_login(w.group_staff)
    response = client.get(reverse("supervision:slot_row", args=[w.slot.pk, "fnd"]), {"index": "²"})
    assert response.status_code == 200
