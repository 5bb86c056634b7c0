"""The portable SQL of the standards equals the Python reference on DuckDB and PostgreSQL (Spark: catalogue test)."""
import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import duckdb
import pytest
import sqlglot
from django.db import connection
from sqlglot import exp

from qingshan.datacheck.catalogue import standards as s
from qingshan.datacheck.catalogue.duck import insert_rows

STEP = Decimal("0.000001")


def _water_cases() -> list[tuple]:
    rng = random.Random(3838)
    rows = []
    for item in s.WATER_ITEMS:
        for body in s.WATER_BODIES:
            points = set()
            for limit in s.item_limits(item, body):
                points |= {limit, limit - STEP, limit + STEP, limit * 2, limit * 2 + STEP}
            points |= {Decimal(rng.randint(0, 5_000_000)) * STEP * (100 if item == "fecal_coliform" else 1)
                       for _ in range(8)}
            for value in sorted(p for p in points if p >= 0) + [Decimal("-0.000001"), Decimal("-1")]:
                for below in (False, True):
                    rows.append((item, body, value, below))
    return rows


def _iaqi_cases() -> list[tuple]:
    rng = random.Random(633)
    rows = []
    for key in s.IAQI_KEYS:
        pollutant, averaging = s.split_key(key)
        points = set()
        for version in s.VERSIONS:
            for c, _ in s.breakpoints(pollutant, averaging, version):
                c = Decimal(c.numerator) / Decimal(c.denominator)
                for delta in ("0", "0.000001", "-0.000001", "0.5", "-0.5", "0.05", "-0.05", "0.45", "0.55", "1.5"):
                    points.add(c + Decimal(delta))
        points |= {Decimal(rng.randint(0, 4_000_000)) * Decimal("0.001") for _ in range(20)}
        for value in sorted(p for p in points if p >= 0):
            rows.append((key, value))
    return rows


def _random_rows(seed: int, keys: tuple[str, ...], first, step: dt.timedelta, periods: int) -> list[tuple]:
    """400 rows of random concentrations (8 % missing) at `periods` times from `first`, across the 2026 switch."""
    rng = random.Random(seed)
    tops = {"co": 60, "so2": 900, "o3": 900}
    rows = []
    for n in range(400):
        values = [None if rng.random() < 0.08 else
                  Decimal(rng.randint(0, tops.get(s.split_key(k)[0], 400) * 10)) / 10 for k in keys]
        rows.append((first + step * (n % periods), *values))
    return rows


def _daily_cases() -> list[tuple]:
    rows = _random_rows(2026, s.DAILY_KEYS, dt.date(2026, 2, 20), dt.timedelta(days=1), 20)
    rows.append((dt.date(2026, 3, 1), Decimal("2.2"), None, None, None, None, None, Decimal("60")))
    # O3 1h 250 and 8h 140, the rest clean: 良 (84) by the 2026 daily report (1h O3 is not in it), 轻度污染 (125)
    # in 2012.
    for day in (dt.date(2026, 3, 1), dt.date(2026, 2, 28)):
        rows.append((day, Decimal(10), Decimal(30), Decimal("0.8"), Decimal(250), Decimal(140), Decimal(50),
                     Decimal(30)))
    return rows


def _hour(day: dt.date, hour: int = 0) -> dt.datetime:
    """Local wall-clock time, as air_hourly.ts stores it (TIMESTAMP without a zone)."""
    return dt.datetime.combine(day, dt.time(hour))


def _hourly_cases() -> list[tuple]:
    return _random_rows(2013, s.HOURLY_KEYS, _hour(dt.date(2026, 2, 25)), dt.timedelta(hours=1), 240)


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.execute("CREATE TABLE water (item VARCHAR, body VARCHAR, v DECIMAL(18,6), below BOOLEAN)")
    insert_rows(con, "water", _water_cases())
    con.execute("CREATE TABLE iaqi (k VARCHAR, v DECIMAL(18,6))")
    insert_rows(con, "iaqi", _iaqi_cases())
    columns = ", ".join(f"{k} DECIMAL(18,6)" for k in s.DAILY_KEYS)
    con.execute(f"CREATE TABLE daily (day DATE, {columns})")
    insert_rows(con, "daily", _daily_cases())
    columns = ", ".join(f"{k} DECIMAL(18,6)" for k in s.HOURLY_KEYS)
    con.execute(f"CREATE TABLE hourly (ts TIMESTAMP, {columns})")
    insert_rows(con, "hourly", _hourly_cases())
    yield con
    con.close()


def _col(name):
    return exp.column(name)


def _water_query():
    klass = s._gb3838_builder([_col("item"), _col("v"), _col("body"), _col("below")])
    plain = s._gb3838_builder([_col("item"), _col("v"), _col("body")])
    multiple = s._exceed_multiple_builder([_col("item"), _col("v"), _col("body"), _col("below")])
    return exp.select("item", "body", "v", "below", klass.as_("k"), plain.as_("p"),
                      multiple.as_("m")).from_("water")


def _iaqi_query():
    by_key = s._hj633_iaqi_builder([_col("k"), _col("v"), exp.Literal.number(2012)])
    by_key_2026 = s._hj633_iaqi_builder([_col("k"), _col("v"), exp.Literal.number(2026)])
    return exp.select("k", "v", by_key.as_("a"), by_key_2026.as_("b")).from_("iaqi")


def _daily_query():
    aqi = s._aqi_builder("daily", s.DAILY_KEYS)([_col("day")] + [_col(k) for k in s.DAILY_KEYS])
    return exp.select("day", *s.DAILY_KEYS, aqi.as_("aqi")).from_("daily")


def _hourly_query():
    aqi = s._aqi_builder("hourly", s.HOURLY_KEYS)([_col("ts")] + [_col(k) for k in s.HOURLY_KEYS])
    return exp.select("ts", *s.HOURLY_KEYS, aqi.as_("aqi")).from_("hourly")


def _reference(function, *args, **kwargs):
    """The Python reference, with a refused (negative) reading standing for SQL's NULL."""
    try:
        return function(*args, **kwargs)
    except ValueError:
        return None


def _check_water(rows):
    assert len(rows) > 1000
    lake_tp_multiples = 0
    for item, body, value, below, klass, plain, multiple in rows:
        assert klass == _reference(s.water_class, item, value, body, below_detection_limit=below), \
            (item, body, value, below)
        assert plain == _reference(s.water_class, item, value, body), (item, body, value)
        expected = _reference(s.exceed_multiple, item, value, body, below_detection_limit=below)
        # A display figure at 6 decimals: engines may round its last digit either way.
        assert (multiple is None) == (expected is None), (item, body, value, below)
        assert expected is None or abs(Fraction(multiple) - expected) <= Fraction(1, 10**6), (item, body, value, below)
        lake_tp_multiples += item == "tp" and body == "lake" and multiple is not None
    assert lake_tp_multiples > 0


def _check_iaqi(rows):
    assert len(rows) > 1000
    for key, value, a2012, a2026 in rows:
        assert a2012 == s.iaqi(*s.split_key(key), value, 2012), (key, value, 2012)
        assert a2026 == s.iaqi(*s.split_key(key), value, 2026), (key, value, 2026)


def _check_report(report, keys, rows):
    published = 0
    for day, *values, aqi in rows:
        expected = s.report_aqi(report, dict(zip(keys, values, strict=True)), day).aqi
        assert aqi == expected, (day, values)
        published += aqi is not None
    assert 0 < published < len(rows)  # some NA (a pollutant missing, AQI ≤ 100 in 2026)


def _check_daily(rows):
    _check_report("daily", s.DAILY_KEYS, rows)


def _check_hourly(rows):
    _check_report("hourly", s.HOURLY_KEYS, rows)


def test_water_class_sql_matches_reference_on_duckdb(duck):
    _check_water(duck.execute(_water_query().sql("duckdb")).fetchall())


def test_iaqi_sql_matches_reference_on_duckdb(duck):
    _check_iaqi(duck.execute(_iaqi_query().sql("duckdb")).fetchall())


def test_daily_aqi_sql_matches_reference_on_duckdb(duck):
    _check_daily(duck.execute(_daily_query().sql("duckdb")).fetchall())


def test_daily_aqi_sql_takes_o3_8h_only_from_2026(duck):
    rows = duck.execute(_daily_query().where("o3_1h = 250 AND o3_8h = 140").order_by("day").sql("duckdb")).fetchall()
    assert [(day.isoformat(), aqi) for day, *_, aqi in rows] == [("2026-02-28", 125), ("2026-03-01", 84)]


def test_hourly_aqi_sql_matches_reference_on_duckdb(duck):
    _check_hourly(duck.execute(_hourly_query().sql("duckdb")).fetchall())


def test_hourly_aqi_sql_counts_pm_and_drops_o3_8h_by_version():
    con = duckdb.connect()
    columns = ", ".join(f"{k} DECIMAL(18,6)" for k in s.HOURLY_KEYS)
    con.execute(f"CREATE TABLE hourly (ts TIMESTAMP, {columns})")
    insert_rows(con, "hourly", [
        # 2012: PM2.5 1h 200 with a 24h moving mean of 120 -> IAQI 158 from the moving mean (was 20 from NO2).
        (_hour(dt.date(2026, 2, 1), 10), 5, 40, "0.5", 30, 30, 100, 200, 80, 120),
        # 2026: O3 8h 300 no longer counts; PM2.5 1h 200 looked up in the 24h table -> 250.
        (_hour(dt.date(2026, 6, 1), 10), 5, 40, "0.5", 30, 300, 100, 200, 80, 120),
    ])
    assert [r[-1] for r in con.execute(_hourly_query().order_by("ts").sql("duckdb")).fetchall()] == [158, 250]


def test_the_sql_uses_no_dialect_rounding():
    query = exp.select(s.hj633_iaqi_sql("co", "24h", _col("v"), _col("day")), _daily_query().selects[-1])
    for dialect in ("duckdb", "spark", "postgres"):
        text = query.sql(dialect).upper()
        assert "ROUND_EVEN" not in text and "BROUND" not in text and " DIV" not in text and "//" not in text


def test_round_half_even_sql_on_duckdb(duck):
    rows = duck.execute(exp.select(
        *[s.round_half_even_sql(exp.cast(exp.Literal.string(v), exp.DataType.build("DECIMAL(18,6)")), p)
          for v, p in (("32.5", 0), ("33.5", 0), ("2.25", 1), ("2.35", 1))]).sql("duckdb")).fetchone()
    assert [str(r.normalize()) for r in rows] == ["32", "34", "2.2", "2.4"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (DATABASE_URL=postgres://…)")
def test_sql_matches_reference_on_postgresql(duck):
    with connection.cursor() as cursor:
        for table, query, check in (("water", _water_query(), _check_water), ("iaqi", _iaqi_query(), _check_iaqi),
                                    ("daily", _daily_query(), _check_daily),
                                    ("hourly", _hourly_query(), _check_hourly)):
            described = duck.execute(f"DESCRIBE {table}").fetchall()
            columns = ", ".join(f"{name} {'NUMERIC(18,6)' if 'DECIMAL' in kind else kind}"
                                for name, kind, *_ in described)
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
            rows = duck.execute(f"SELECT * FROM {table}").fetchall()
            marks = ", ".join(["%s"] * len(described))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            cursor.execute(query.sql("postgres"))
            check(cursor.fetchall())


def test_registered_functions_compile_from_spec_text():
    from qingshan.datacheck.engine.functions import get_function

    tree = sqlglot.parse_one("gb3838_class('tp', v, 'lake')", read="duckdb")
    built = get_function("gb3838_class").builder(list(tree.expressions))
    con = duckdb.connect()
    assert con.execute(f"SELECT {built.sql('duckdb')} FROM (SELECT 0.05::DECIMAL(18,6) AS v)").fetchone() == (3,)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_iaqi_and_daily_aqi_sql_match_reference_on_spark(duck, spark):
    from pyspark.sql.types import BooleanType, DateType, DecimalType, StringType, StructField, StructType, TimestampType

    money = DecimalType(18, 6)
    iaqi_rows = duck.execute("SELECT k, v FROM iaqi").fetchall()
    spark.createDataFrame(iaqi_rows, StructType([StructField("k", StringType()), StructField("v", money)])) \
        .createOrReplaceTempView("iaqi")
    _check_iaqi([tuple(r) for r in spark.sql(_iaqi_query().sql("spark")).collect()])
    daily = duck.execute("SELECT * FROM daily").fetchall()
    spark.createDataFrame(daily, StructType([StructField("day", DateType())] + [
        StructField(k, money) for k in s.DAILY_KEYS])).createOrReplaceTempView("daily")
    _check_daily([tuple(r) for r in spark.sql(_daily_query().sql("spark")).collect()])
    hourly = duck.execute("SELECT * FROM hourly").fetchall()
    spark.createDataFrame(hourly, StructType([StructField("ts", TimestampType())] + [
        StructField(k, money) for k in s.HOURLY_KEYS])).createOrReplaceTempView("hourly")
    _check_hourly([tuple(r) for r in spark.sql(_hourly_query().sql("spark")).collect()])
    water = duck.execute("SELECT * FROM water").fetchall()
    spark.createDataFrame(water, StructType([StructField("item", StringType()), StructField("body", StringType()),
                                             StructField("v", money), StructField("below", BooleanType())])) \
        .createOrReplaceTempView("water")
    _check_water([tuple(r) for r in spark.sql(_water_query().sql("spark")).collect()])
