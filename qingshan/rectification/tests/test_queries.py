"""Query counts of the pages people open all day: they must not grow with the number of items, milestones or posts
(an N+1 would), and each stays within its baseline (tests/query_counts.json)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qingshan.problems.testing.world import png
from qingshan.rectification import services
from qingshan.rectification.testing.flows import new_item, plan


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_for_3_or_12_items(rw, client, assert_query_baseline):
    for _ in range(3):
        plan(rw, new_item(rw))
    client.force_login(rw.eco_handler)
    url = reverse("rectification:list")
    few = _count(client, url)
    for _ in range(9):
        new_item(rw)
    client.force_login(rw.eco_handler)
    assert _count(client, url) == few
    with assert_query_baseline("list page"):
        client.get(url)


def test_the_detail_page_does_not_grow_with_posts_and_files(rw, client, assert_query_baseline):
    item = plan(rw, new_item(rw))
    services.item_diary(actor=rw.group_staff, item=item, happened_on=item.created_at.date(), text="一", files=[png()])
    client.force_login(rw.group_staff)
    url = reverse("rectification:detail", args=[item.pk])
    one = _count(client, url)
    for n in range(4):
        services.item_diary(actor=rw.group_staff, item=item, happened_on=item.created_at.date(), text=str(n),
                            files=[png(), png("二.png")])
    client.force_login(rw.group_staff)
    assert _count(client, url) == one
    with assert_query_baseline("detail page"):
        client.get(url)
