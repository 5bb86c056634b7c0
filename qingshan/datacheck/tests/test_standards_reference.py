"""The exact Python reference of GB 3838-2002 and HJ 633-2012/2026 against the boundaries of standards.md."""
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from qingshan.datacheck.catalogue import standards as s


@pytest.mark.parametrize(("item", "value", "body", "expected"), [
    ("cod", "15", "river", 1),  # shared Ⅰ/Ⅱ limit: the best class
    ("cod", "15.000001", "river", 3),
    ("cod", "20", "river", 3),  # inclusive upper bound
    ("cod", "40", "river", 5),
    ("cod", "40.000001", "river", 6),
    ("bod5", "3", "river", 1),
    ("cu", "1.0", "river", 2),  # Ⅱ–Ⅴ share 1.0: Ⅱ
    ("zn", "2.0", "river", 4),
    ("se", "0.01", "river", 1),
    ("hg", "0.00005", "river", 1),
    ("hg", "0.00006", "river", 3),
    ("cn", "0.2", "river", 3),
    ("nh3n", "0.15", "river", 1),
    ("nh3n", "0.16", "river", 2),
    ("tp", "0.05", "river", 2),  # lake vs river TP
    ("tp", "0.05", "lake", 3),
    ("tp", "0.1", "lake", 4),
    ("tp", "0.3", "river", 4),
    ("tp", "0.3", "lake", 6),
    ("do", "7.5", "river", 1),  # DO is a lower bound, inclusive
    ("do", "7.49", "river", 2),
    ("do", "2", "river", 5),
    ("do", "1.99", "river", 6),
    ("ph", "6", "river", 1),
    ("ph", "9", "river", 1),
    ("ph", "9.01", "river", 6),
    ("ph", "5.99", "river", 6),
])
def test_water_class_boundaries(item, value, body, expected):
    assert s.water_class(item, value, body) == expected


def test_below_detection_limit_counts_as_half_the_limit():
    # Detection limit 0.05 of TP in a lake: half is 0.025, the Ⅱ limit.
    assert s.water_class("tp", "0.05", "lake", below_detection_limit=True) == 2
    assert s.period_mean([("0.05", True), ("0.035", False)]) == Fraction(3, 100)


def test_floats_are_read_as_their_decimal_text():
    assert s.water_class("nh3n", 0.15) == 1
    assert s.iaqi("co", "24h", 2.2, 2012) == 55


def test_section_class_is_the_worst_assessed_item_and_names_main_pollutants():
    result = s.section_class({"cod": "35", "nh3n": "1.6", "do": "2.5", "tp": "0.15", "tn": "9",
                              "fecal_coliform": "90000", "codmn": None})
    assert result.klass == 5 and result.label == "Ⅴ类" and result.grade == "中度污染"
    assert "tn" not in result.item_classes and "fecal_coliform" not in result.item_classes
    assert [p[0] for p in result.main_pollutants] == ["cod", "nh3n", "do"]
    assert result.main_pollutants[0][2] == Fraction(3, 4)  # (35 − 20) / 20


def test_section_class_worse_than_v_and_lake_tn_judged_separately():
    result = s.section_class({"ph": "9.2", "cod": "10", "tn": "1.2"}, "lake")
    assert result.klass == 6 and result.label == "劣Ⅴ类" and result.tn_class == 4
    assert s.section_class({"cod": "10", "tp": "0.02"}).klass == 1
    assert s.section_class({"tn": "3"}).klass is None


def test_exceed_multiple_only_above_class_iii():
    assert s.exceed_multiple("nh3n", "1.0") is None
    assert s.exceed_multiple("nh3n", "2.5") == Fraction(3, 2)
    assert s.exceed_multiple("do", "1") is None
    assert s.exceed_multiple("tp", "0.1", "lake") == 1


@pytest.mark.parametrize(("value", "places", "expected"), [
    ("32.5", 0, "32"), ("33.5", 0, "34"), ("32.51", 0, "33"), ("32.49", 0, "32"), ("0.5", 0, "0"),
    ("2.25", 1, "2.2"), ("2.35", 1, "2.4"), ("2.250001", 1, "2.3"),
])
def test_half_even_rounding(value, places, expected):
    assert s.round_half_even(value, places) == Decimal(expected)


def test_version_by_date():
    assert s.version_for(dt.date(2026, 2, 28)) == 2012
    assert s.version_for(dt.date(2026, 3, 1)) == 2026
    assert s.version_for(dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)) == 2026


@pytest.mark.parametrize(("pollutant", "averaging", "value", "version", "expected"), [
    ("co", "24h", "2.2", 2026, 55),  # exactly 55: floats would give 56
    ("co", "24h", "2.2", 2012, 55),
    ("pm25", "24h", "75", 2012, 100),
    ("pm25", "24h", "75", 2026, 114),  # 50/55 × 15 + 100 = 113.6… → 114
    ("pm25", "24h", "60", 2026, 100),
    ("pm25", "24h", "60", 2012, 82),  # 50/40 × 25 + 50 = 81.25 → 82
    ("pm10", "24h", "120", 2026, 100),
    ("pm10", "24h", "150", 2012, 100),
    ("pm10", "24h", "150", 2026, 112),  # 50/130 × 30 + 100 = 111.5… → 112
    ("pm25", "24h", "35.5", 2026, 52),  # 35.5 → 36 (35 is odd): 50/25 × 1 + 50 = 52
    ("pm25", "24h", "34.5", 2026, 49),  # 34.5 → 34: 50/35 × 34 = 48.57… → 49
    ("so2", "1h", "801", 2012, None),
    ("so2", "1h", "801", 2026, 200),
    ("so2", "1h", "800", 2012, 200),
    ("o3", "8h", "801", 2012, None),
    ("o3", "8h", "801", 2026, 300),
    ("o3", "8h", "800", 2026, 300),
    ("pm25", "24h", "501", 2026, 500),
    ("pm25", "1h", "75", 2026, 114),  # 1h PM looked up in the 24h table
    ("pm25", "1h", "75", 2012, None),
    ("pm25", "24h", "0", 2026, 0),
])
def test_iaqi(pollutant, averaging, value, version, expected):
    assert s.iaqi(pollutant, averaging, value, version) == expected


def test_iaqi_half_even_before_ceiling():
    # 32.5 rounds to 32, 33.5 to 34 (2026); 2012 keeps the exact value.
    assert s.iaqi("pm25", "24h", "32.5", 2026) == 46  # 50/35 × 32 = 45.7 → 46
    assert s.iaqi("pm25", "24h", "33.5", 2026) == 49  # 50/35 × 34 = 48.57 → 49
    assert s.iaqi("pm25", "24h", "32.5", 2012) == 47  # 50/35 × 32.5 = 46.43 → 47


def test_negative_concentration_is_refused():
    with pytest.raises(ValueError, match="浓度不能为负数"):
        s.iaqi("so2", "24h", "-1", 2026)


def test_aqi_primary_pollutants_and_levels():
    day = {"so2_24h": "10", "no2_24h": "30", "co_24h": "0.8", "o3_8h": "100", "pm10_24h": "50", "pm25_24h": "35"}
    result = s.aqi(day, dt.date(2026, 3, 1))
    assert result.version == 2026 and result.aqi == 50 and result.primary == ()  # AQI ≤ 50: no primary pollutant
    assert result.level == ("一级", "优", "#00E400")
    day["pm25_24h"] = "75"
    result = s.aqi(day, dt.date(2026, 3, 1))
    assert result.aqi == 114 and result.primary == ("pm25_24h",) and result.exceeding == ()
    assert result.level == ("三级", "轻度污染", "#FF7E00")
    old = s.aqi({**day, "pm10_24h": "150"}, dt.date(2026, 2, 28))  # PM10 150 is 100 in 2012, 112 in 2026
    assert old.version == 2012 and old.aqi == 100 and old.primary == ("pm10_24h", "pm25_24h")  # a tie: both
    assert old.level == ("二级", "良", "#FFFF00") and old.exceeding == ()


def test_aqi_2012_names_exceeding_pollutants():
    result = s.aqi({"pm10_24h": "200", "pm25_24h": "120", "no2_24h": "40"}, 2012)  # 125, 157.1… → 158, 50
    assert result.aqi == 158 and result.primary == ("pm25_24h",)
    assert result.exceeding == ("pm10_24h", "pm25_24h")
    assert s.aqi({"pm10_24h": "200", "pm25_24h": "120", "no2_24h": "40"}, 2026).exceeding == ()


def test_aqi_special_cases_so2_and_o3_above_800():
    assert s.aqi({"so2_1h": "801", "so2_24h": "100"}, 2012).aqi == 75  # the 24h value stands in
    assert s.aqi({"so2_1h": "801", "so2_24h": "100"}, 2026).aqi == 200
    assert s.aqi({"o3_8h": "801", "o3_1h": "700"}, 2012).aqi == 275  # the 1h value: 100/400 × 300 + 200


def test_aqi_missing_pollutant_2026_published_only_above_100():
    partial = {"so2_24h": "10", "no2_24h": "30", "co_24h": None, "o3_8h": "100", "pm10_24h": "70",
               "pm25_24h": "60"}
    result = s.aqi(partial, 2026)
    assert result.missing == ("co",) and result.computed == 100 and result.aqi is None and result.level is None
    partial["pm25_24h"] = "61"
    result = s.aqi(partial, 2026)
    assert result.aqi == 101 and result.primary == ("pm25_24h",)
    assert s.aqi({**partial, "pm25_24h": "60"}, 2012).aqi == 82  # 2012 computes from the rest and publishes


def test_level_edges():
    assert s.aqi_level(50)[1] == "优" and s.aqi_level(51)[1] == "良" and s.aqi_level(100)[1] == "良"
    assert s.aqi_level(101)[1] == "轻度污染" and s.aqi_level(300)[1] == "重度污染" and s.aqi_level(301)[1] == "严重污染"
    assert s.iaqi("co", "1h", "151", 2026) == 500


def test_2026_daily_report_takes_o3_as_the_8h_maximum_only():
    day = {"so2_24h": "10", "no2_24h": "30", "co_24h": "0.8", "o3_1h": "250", "o3_8h": "140", "pm10_24h": "50",
           "pm25_24h": "30"}
    result = s.report_aqi("daily", day, dt.date(2026, 3, 1))
    assert result.aqi == 84 and result.level[1] == "良" and "o3_1h" not in result.iaqi
    assert s.report_aqi("daily", day, dt.date(2026, 2, 28)).level[1] == "轻度污染"  # 2012 counts the 1h maximum


def test_real_time_report_pm_and_o3_by_version():
    hour = {"so2_1h": "5", "no2_1h": "40", "co_1h": "0.5", "o3_1h": "30", "o3_8h": "300", "pm10_1h": "100",
            "pm25_1h": "200", "pm10_24h": "80", "pm25_24h": "120"}
    old = s.report_aqi("hourly", {**hour, "o3_8h": "30"}, dt.date(2026, 2, 1))
    assert old.aqi == 158 and old.primary == ("pm25_24h",)  # 2012: the PM 24h moving mean, not 20 from NO2
    new = s.report_aqi("hourly", hour, dt.date(2026, 6, 1))
    assert new.aqi == 250 and new.primary == ("pm25_1h",) and "o3_8h" not in new.iaqi  # 2026: six 1h items
    # 2012 without the moving means: PM is missing, never taken from the 1h value.
    assert s.report_aqi("hourly", {**hour, "pm10_24h": None, "pm25_24h": None}, 2012).missing == ("pm10", "pm25")
    assert s.report_aqi("hourly", hour, 2012).aqi == 207  # 2012 still counts the O3 8h moving mean (265–800)


def test_negative_water_reading_is_refused():
    for item in ("cod", "tp", "ph"):
        with pytest.raises(ValueError, match="不能为负数"):
            s.water_class(item, "-0.01")
    with pytest.raises(ValueError, match="不能为负数"):
        s.exceed_multiple("tp", "-1", "lake")
