"""Values as a person reads them, whatever the engine handed back: no float noise, no DECIMAL(18,6) zeros, one
date style, 是/否, the item's name and unit."""
import datetime as dt
from decimal import Decimal

import pytest

from qingshan.datasets.vocabulary import format_value, unit_of

ITEM = {"name": "item", "type": "string", "choices": ["nh3n", "ph"], "choice_labels": {"nh3n": "氨氮"},
        "choice_units": {"nh3n": "mg/L"}}
READING = {"name": "concentration", "type": "decimal", "unit_from": "item"}


@pytest.mark.parametrize(("column", "value", "shown"), [
    ({"type": "double"}, 0.1 + 0.2, "0.3"),
    ({"type": "decimal"}, "1.800000", "1.8"),
    ({"type": "decimal"}, Decimal("100.000000"), "100"),
    ({"type": "decimal"}, "0.000001", "0.000001"),
    ({"type": "integer"}, 12, "12"),
    ({"type": "boolean"}, False, "否"),
    ({"type": "boolean"}, "true", "是"),
    ({"type": "date"}, "2026-03-05", "2026-03-05"),
    ({"type": "date"}, dt.date(2026, 3, 5), "2026-03-05"),
    ({"type": "timestamp"}, "2026-03-05T08:00:00", "2026-03-05 08:00"),
    ({"type": "timestamp"}, "2026-03-05 08:00:30", "2026-03-05 08:00:30"),
    (ITEM, "nh3n", "氨氮"),
    (ITEM, "ph", "ph"),
    ({"type": "string"}, None, "—"),
])
def test_values_read_as_a_person_writes_them(column, value, shown):
    assert format_value(column, value) == shown


def test_a_reading_takes_the_unit_of_its_item():
    assert format_value(READING, "0.620000", unit=unit_of(READING, ITEM, "nh3n")) == "0.62 mg/L"
    assert format_value(READING, "7.1", unit=unit_of(READING, ITEM, "ph")) == "7.1"  # pH has no unit
