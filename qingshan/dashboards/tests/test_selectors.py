"""KPI figures on the hand-built history of conftest.py, with the arithmetic worked out by hand."""
import datetime as dt
from decimal import Decimal

import pytest

from qingshan.dashboards.selectors import kpi_table
from qingshan.problems import kpis

PERIOD = {"received_from": dt.date(2026, 1, 1), "received_to": dt.date(2026, 4, 30)}
ZERO = dict.fromkeys(kpis.CONDITIONS, 0)


def by_label(rows):
    return {row.label: row for row in rows}


def test_definitions_on_the_total_row(history):
    rows = kpi_table(user=history.leader, group_by="unit", as_of=dt.date(2026, 4, 30), **PERIOD)
    total = rows[-1]
    assert total.is_total and total.label == "合计" and total.params == {}
    assert total.counts == {
        "received": 7,  # A B C D E G H; F is merged (a duplicate), J was received in 2025
        "closed": 4,  # A B C H
        "closed_on_time": 3,  # A C H; B replied on 03-25 after its 03-20 deadline
        "overdue": 1,  # D: dispatched, deadline 03-20 passed, never replied; E is due 05-20, G never dispatched
        "closed_or_overdue": 5,  # 4 closed + 1 overdue
        "open": 3,  # 7 received - 4 closed: D E G
        "dispatched": 6,  # A B C D E H (G not dispatched)
        "signed_on_time": 5,  # A C D E H; B signed 03-05 against a 03-03 limit
        "reviewed": 4,  # A B C H (C twice, counted once)
        "rejected": 1,  # C
        "urged": 1,  # D
        "duplicates": 1,  # F
    }
    assert total.rates == {
        "closure_rate": Decimal(4) / 7,  # 57.1 %
        "on_time_closure_rate": Decimal(3) / 5,  # 60.0 %
        "on_time_sign_rate": Decimal(5) / 6,  # 83.3 %
        "rejection_rate": Decimal(1) / 4,  # 25.0 %
        "urge_rate": Decimal(1) / 6,  # 16.7 %
    }


def test_definitions_per_lead_unit(history):
    w = history
    rows = by_label(kpi_table(user=w.leader, group_by="unit", as_of=dt.date(2026, 4, 30), **PERIOD))
    assert list(rows) == ["市生态环境局", "市水务局", "绿水区住建局", "无主办单位", "合计"]
    eco, water, housing, none = rows["市生态环境局"], rows["市水务局"], rows["绿水区住建局"], rows["无主办单位"]
    # 生态环境局: A B C received and closed, A C on time, B signed late, C rejected once; F merged into A.
    assert eco.counts == ZERO | {"received": 3, "closed": 3, "closed_on_time": 2, "closed_or_overdue": 3,
                                 "dispatched": 3, "signed_on_time": 2, "reviewed": 3, "rejected": 1,
                                 "duplicates": 1}
    assert eco.rates == {"closure_rate": Decimal(1), "on_time_closure_rate": Decimal(2) / 3,
                         "on_time_sign_rate": Decimal(2) / 3, "rejection_rate": Decimal(1) / 3,
                         "urge_rate": Decimal(0)}
    # 水务局: D overdue and urged, E open and not due; both signed on time; nothing reviewed yet.
    assert water.counts == ZERO | {"received": 2, "overdue": 1, "closed_or_overdue": 1, "open": 2,
                                   "dispatched": 2, "signed_on_time": 2, "urged": 1}
    assert water.rates == {"closure_rate": Decimal(0), "on_time_closure_rate": Decimal(0),
                           "on_time_sign_rate": Decimal(1), "rejection_rate": None,  # 0 reviewed
                           "urge_rate": Decimal(1) / 2}
    assert water.params == {"lead_unit": str(w.water.pk)}
    assert housing.counts == ZERO | {"received": 1, "closed": 1, "closed_on_time": 1, "closed_or_overdue": 1,
                                     "dispatched": 1, "signed_on_time": 1, "reviewed": 1}
    # G was never dispatched: received and open, every dispatch-based rate has no denominator.
    assert none.counts == ZERO | {"received": 1, "open": 1}
    assert none.rates["on_time_sign_rate"] is None and none.rates["closure_rate"] == 0
    assert none.params == {"lead_unit": "null"}


def test_as_of_an_earlier_date(history):
    rows = kpi_table(user=history.leader, group_by="unit", as_of=dt.date(2026, 3, 24), **PERIOD)
    total = rows[-1].counts
    assert total["received"] == 6  # E was received on 04-20, after the as-of date
    assert total["closed"] == 3  # A H C; B closed only on 03-26
    # B: deadline 03-20 passed, its (late) reply came on 03-25; D: never replied.
    assert total["overdue"] == 2
    assert total["closed_or_overdue"] == 5
    assert total["dispatched"] == 5 and total["signed_on_time"] == 4  # A B C D H; all but B signed on time


def test_period_excludes_problems_received_outside_it(history):
    rows = kpi_table(user=history.leader, group_by="unit", as_of=dt.date(2026, 4, 30),
                     received_from=dt.date(2025, 12, 1), received_to=dt.date(2025, 12, 31))
    # Only J, received and dispatched on 2025-12-15, its default deadline long gone.
    assert rows[-1].counts == ZERO | {"received": 1, "open": 1, "dispatched": 1, "overdue": 1,
                                      "closed_or_overdue": 1}
    assert [row.label for row in rows] == ["市生态环境局", "合计"]


def test_grouped_by_district_with_city_level_and_town_problems(history):
    w = history
    rows = by_label(kpi_table(user=w.leader, group_by="region", as_of=dt.date(2026, 4, 30), **PERIOD))
    assert list(rows) == ["市本级", "绿水区", "江岸区", "合计"]
    assert rows["市本级"].counts["received"] == 4  # A B C G registered at city level (and F, a duplicate)
    assert rows["市本级"].counts["duplicates"] == 1
    assert rows["市本级"].params == {"region_exact": str(w.city.pk)}
    assert rows["绿水区"].counts["received"] == 1  # H, registered in a town of 绿水区
    assert rows["绿水区"].params == {"region": str(w.lvshui.pk)}
    assert rows["江岸区"].counts["received"] == 2  # D E
    assert rows["江岸区"].counts["overdue"] == 1
    assert rows["合计"].counts["received"] == 7


@pytest.mark.parametrize("group_by", ["region", "unit", "source", "category"])
def test_groups_add_up_to_the_total(history, group_by):
    rows = kpi_table(user=history.leader, group_by=group_by, as_of=dt.date(2026, 4, 30), **PERIOD)
    *groups, total = rows
    for name in kpis.CONDITIONS:
        assert sum(row.counts[name] for row in groups) == total.counts[name], name


def test_by_source_and_category(history):
    w = history
    rows = by_label(kpi_table(user=w.leader, group_by="source", as_of=dt.date(2026, 4, 30), **PERIOD))
    assert list(rows) == ["现场检查", "合计"]
    assert rows["现场检查"].params == {"source": str(w.inspection.pk)}
    rows = by_label(kpi_table(user=w.leader, group_by="category", as_of=dt.date(2026, 4, 30), **PERIOD))
    assert list(rows) == ["水污染", "合计"]
    assert rows["水污染"].params == {"category": str(w.water_pollution.pk)}


def test_district_commission_counts_only_its_district(history):
    rows = kpi_table(user=history.district_staff, group_by="region", as_of=dt.date(2026, 4, 30), **PERIOD)
    assert [row.label for row in rows] == ["绿水区", "合计"]
    # Only H: received, dispatched, signed and closed on time.
    assert rows[-1].counts == ZERO | {"received": 1, "closed": 1, "closed_on_time": 1, "closed_or_overdue": 1,
                                      "dispatched": 1, "signed_on_time": 1, "reviewed": 1}


def test_stationed_group_counts_only_its_units(history):
    # 驻市生态环境局纪检监察组 supervises 生态环境局 only: A B C (and the duplicate F).
    rows = kpi_table(user=history.group_staff, group_by="unit", as_of=dt.date(2026, 4, 30), **PERIOD)
    assert [row.label for row in rows] == ["市生态环境局", "合计"]
    assert rows[-1].counts["received"] == 3 and rows[-1].counts["duplicates"] == 1
