"""The one column spec: the page's text and the Excel value and format of each kind of cell."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from qingshan.core.tables import Column, format_count, format_rate

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_dates_and_datetimes_are_local_on_the_page_and_naive_in_excel(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    at = dt.datetime(2026, 3, 1, 18, 30, 5, 123, tzinfo=dt.UTC)  # 02:30 on 2 March in Shanghai
    local = dt.datetime(2026, 3, 2, 2, 30, 5, tzinfo=SHANGHAI)
    assert Column("t", "时间", "datetime").value(at) == local.replace(tzinfo=None)
    assert Column("t", "时间", "datetime").text(at) == "2026-03-02 02:30"
    assert Column("d", "日期", "date").value(at) == dt.date(2026, 3, 2)
    assert Column("d", "日期", "date").text(dt.date(2026, 3, 2)) == "2026-03-02"
    assert Column("d", "日期", "date").number_format == "yyyy-mm-dd"


def test_choices_show_their_label_and_empty_cells_a_dash():
    column = Column("state", "状态", "choice", choices={"open": "办理中"}, colours={"open": "warning"})
    assert (column.text("open"), column.value("open"), column.colour("open")) == ("办理中", "办理中", "warning")
    assert column.text("unknown") == "unknown" and column.colour("unknown") == ""
    assert Column("x", "备注").text(None) == "—" and Column("x", "备注").value("") is None
    assert Column("x", "备注").number_format is None


def test_counts_and_rates_as_the_kpi_table_shows_them():
    count, rate = Column("received", "受理数", "count"), Column("closure_rate", "办结率", "rate")
    assert count.text(1203) == format_count(1203) == "1,203" and count.number_format == "#,##0"
    assert rate.text(Decimal("0.12345")) == format_rate(Decimal("0.12345")) == "12.3%"
    assert format_rate(Decimal("0.0005")) == "0.1%"  # half up, as Excel rounds
    assert rate.text(None) == "—" and rate.value(Decimal("0.5")) == Decimal("0.5") and rate.number_format == "0.0%"
