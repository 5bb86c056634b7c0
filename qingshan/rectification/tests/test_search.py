"""整改清单's keyword search: what it finds on either database, and on PostgreSQL that the trigram indexes of
migration 0002 serve the very query the selector writes."""
import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from qingshan.rectification import selectors, services
from qingshan.rectification.models import Item
from qingshan.rectification.testing.flows import new_item


@pytest.fixture
def items(rw):
    soil = new_item(rw, title="某化工园区土壤及地下水修复滞后")
    sewage = new_item(rw, title="城区黑臭水体整治不到位")
    jiangan = services.item_create(actor=rw.officer, campaign=rw.campaign, title="江岸区河道垃圾清理不彻底",
                                   feedback="河道垃圾", region=rw.jiangan, lead_unit=rw.jiangan_urban,
                                   deadline=dt.date(2026, 9, 30))
    return soil, sewage, jiangan


def _found(user, text):
    return set(selectors.item_list(user=user, params={"q": text}).values_list("title", flat=True))


def test_the_keyword_finds_titles_and_numbers_within_what_the_user_may_see(rw, items):
    soil, sewage, jiangan = items
    assert _found(rw.officer, "地下水修复") == {soil.title}
    assert _found(rw.officer, "整治") == {sewage.title}  # two characters: no trigram, still found
    assert _found(rw.officer, "不") == {sewage.title, jiangan.title}
    # The number, in any case and in part.
    assert _found(rw.officer, soil.number.lower()) == {soil.title}
    assert _found(rw.officer, soil.number[-4:]) >= {soil.title}
    assert _found(rw.officer, "无此事项") == set()
    # A unit searching finds only its own items.
    assert _found(rw.eco_handler, "河道垃圾") == set()
    assert _found(rw.urban_handler, "河道垃圾") == {jiangan.title}


def test_the_list_page_searches(rw, items, client):
    soil, sewage, _jiangan = items
    client.force_login(rw.eco_handler)
    page = client.get(reverse("rectification:list"), {"q": "黑臭水体"}).content.decode()
    assert sewage.number in page and soil.number not in page and "共 1 条" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm indexes")
def test_on_postgresql_the_search_reads_the_trigram_indexes(rw):
    # With sequential scans priced out, a plan through both indexes proves they match the expressions Django writes
    # for `icontains` (UPPER(col::text) LIKE UPPER(…)); with a plain index or another expression it would scan.
    # The search condition as the selector writes it (the scope has its own indexes, which the planner may prefer on
    # a small table; at 100,000 items the plan is the trigram BitmapOr, bench/RESULTS_rectification.md).
    listing = Item.objects.filter(selectors.search_q("地下水修复"))
    sql, params = listing.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "rect_title_trgm_idx" in plan and "rect_number_trgm_idx" in plan, plan
