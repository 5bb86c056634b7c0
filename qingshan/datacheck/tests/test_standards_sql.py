"""The portable SQL of the standards equals the Python reference on DuckDB and PostgreSQL (Spark: catalogue test)."""
import datetime as dt
import random
from decimal import Decimal

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
            for value in sorted(p for p in points if p >= 0):
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


def _daily_cases() -> list[tuple]:
    rng = random.Random(2026)
    rows = []
    for n in range(400):
        day = dt.date(2026, 2, 20) + dt.timedelta(days=n % 20)
        values = []
        for key in s.DAILY_KEYS:
            if rng.random() < 0.08:
                values.append(None)
            else:
                top = {"co_24h": 30, "so2_24h": 900, "o3_1h": 900, "o3_8h": 900}.get(key, 400)
                values.append(Decimal(rng.randint(0, top * 10)) / 10)
        rows.append((day, *values))
    rows.append((dt.date(2026, 3, 1), Decimal("2.2"), None, None, None, None, None, Decimal("60")))
    return rows


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
    yield con
    con.close()


def _col(name):
    return exp.column(name)


def _water_query():
    klass = s._gb3838_builder([_col("item"), _col("v"), _col("body"), _col("below")])
    plain = s._gb3838_builder([_col("item"), _col("v"), _col("body")])
    return exp.select("item", "body", "v", "below", klass.as_("k"), plain.as_("p")).from_("water")


def _iaqi_query():
    by_key = s._hj633_iaqi_builder([_col("k"), _col("v"), exp.Literal.number(2012)])
    by_key_2026 = s._hj633_iaqi_builder([_col("k"), _col("v"), exp.Literal.number(2026)])
    return exp.select("k", "v", by_key.as_("a"), by_key_2026.as_("b")).from_("iaqi")


def _daily_query():
    aqi = s._aqi_builder(s.DAILY_KEYS)([_col("day")] + [_col(k) for k in s.DAILY_KEYS])
    return exp.select("day", *s.DAILY_KEYS, aqi.as_("aqi")).from_("daily")


def _check_water(rows):
    assert len(rows) > 1000
    for item, body, value, below, klass, plain in rows:
        assert klass == s.water_class(item, value, body, below_detection_limit=below), (item, body, value, below)
        assert plain == s.water_class(item, value, body), (item, body, value)


def _check_iaqi(rows):
    assert len(rows) > 1000
    for key, value, a2012, a2026 in rows:
        assert a2012 == s.iaqi(*s.split_key(key), value, 2012), (key, value, 2012)
        assert a2026 == s.iaqi(*s.split_key(key), value, 2026), (key, value, 2026)


def _check_daily(rows):
    published = 0
    for day, *values, aqi in rows:
        expected = s.aqi(dict(zip(s.DAILY_KEYS, values, strict=True)), day).aqi
        assert aqi == expected, (day, values)
        published += aqi is not None
    assert 0 < published < len(rows)  # some NA (a pollutant missing, AQI ≤ 100 in 2026)


def test_water_class_sql_matches_reference_on_duckdb(duck):
    _check_water(duck.execute(_water_query().sql("duckdb")).fetchall())


def test_iaqi_sql_matches_reference_on_duckdb(duck):
    _check_iaqi(duck.execute(_iaqi_query().sql("duckdb")).fetchall())


def test_daily_aqi_sql_matches_reference_on_duckdb(duck):
    _check_daily(duck.execute(_daily_query().sql("duckdb")).fetchall())


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
                                    ("daily", _daily_query(), _check_daily)):
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
    from pyspark.sql.types import BooleanType, DateType, DecimalType, StringType, StructField, StructType

    money = DecimalType(18, 6)
    iaqi_rows = duck.execute("SELECT k, v FROM iaqi").fetchall()
    spark.createDataFrame(iaqi_rows, StructType([StructField("k", StringType()), StructField("v", money)])) \
        .createOrReplaceTempView("iaqi")
    _check_iaqi([tuple(r) for r in spark.sql(_iaqi_query().sql("spark")).collect()])
    daily = duck.execute("SELECT * FROM daily").fetchall()
    spark.createDataFrame(daily, StructType([StructField("day", DateType())] + [
        StructField(k, money) for k in s.DAILY_KEYS])).createOrReplaceTempView("daily")
    _check_daily([tuple(r) for r in spark.sql(_daily_query().sql("spark")).collect()])
    water = duck.execute("SELECT * FROM water").fetchall()
    spark.createDataFrame(water, StructType([StructField("item", StringType()), StructField("body", StringType()),
                                             StructField("v", money), StructField("below", BooleanType())])) \
        .createOrReplaceTempView("water")
    _check_water([tuple(r) for r in spark.sql(_water_query().sql("spark")).collect()])
